// Command tarpit plays hosts that never answer: it listens on every address
// given, accepts each connection and then never sends a byte, reading and
// discarding what the client sends until the client gives up.
//
// Usage:
//
//	tarpit ADDR:PORT...
package main

import (
	"fmt"
	"io"
	"net"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: tarpit ADDR:PORT...")
		os.Exit(2)
	}
	for _, a := range os.Args[1:] {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tarpit:", err)
			os.Exit(1)
		}
		go serve(ln)
	}
	select {}
}

func serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			io.Copy(io.Discard, c) // until the client closes
		}()
	}
}
