#!/bin/sh
# placeholder: written by the payload work
