#!/bin/sh
# resetaudit payload: read-only collection of what can make sshd reset,
# refuse or drop connections. Fed to `sh -s` on stdin; must run under dash,
# bash and BusyBox ash. It never writes a file and never changes the host.
#
# The Go side prepends RA_NONCE, RA_SINCE, RA_CLIENT, RA_SECTION_CAP and
# RA_TOTAL_CAP. Output is a series of sections:
#   <<RA:NONCE:BEGIN name [key=value...]>>
#   ...command output...
#   <<RA:NONCE:END name rc=N cap=C [note=word]>>
# The newline printed before END belongs to the framing, not the data.

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LC_ALL=C
export PATH LC_ALL
umask 077

case ${RA_NONCE:-} in ''|*[!0-9a-f]*) RA_NONCE=0000000000000000 ;; esac
case ${RA_SINCE:-} in ''|*[!0-9]*) RA_SINCE=86400 ;; esac
case ${RA_SECTION_CAP:-} in ''|*[!0-9]*) RA_SECTION_CAP=262144 ;; esac
case ${RA_TOTAL_CAP:-} in ''|*[!0-9]*) RA_TOTAL_CAP=4194304 ;; esac
case ${RA_CLIENT:-} in *[!0-9A-Fa-f.:]*) RA_CLIENT= ;; esac
# Whole-run budget in seconds: sections that would start later are skipped.
case ${RA_BUDGET:-} in ''|*[!0-9]*) RA_BUDGET=20 ;; esac

# ra_cs sets RA_CS to the time since boot in centiseconds, without forking.
ra_cs() {
	ra_u=0.0
	read -r ra_u _ </proc/uptime 2>/dev/null
	ra_u=${ra_u%.*}${ra_u#*.}
	ra_u=${ra_u#"${ra_u%%[!0]*}"}
	RA_CS=${ra_u:-0}
}

ra_have() { command -v "$1" >/dev/null 2>&1; }

# ra_begin NAME [ATTRS] / ra_end NAME RC [NOTE] frame one section.
ra_begin() { printf '<<RA:%s:BEGIN %s>>\n' "$RA_NONCE" "$*"; }
ra_end() {
	if [ -n "${3:-}" ]; then
		printf '\n<<RA:%s:END %s rc=%s cap=%s note=%s>>\n' "$RA_NONCE" "$1" "$2" "$RA_SECTION_CAP" "$3"
	else
		printf '\n<<RA:%s:END %s rc=%s cap=%s>>\n' "$RA_NONCE" "$1" "$2" "$RA_SECTION_CAP"
	fi
}

# ra_skip NAME NOTE [RC] records a section that was not run, and why.
ra_skip() { ra_begin "$1"; ra_end "$1" "${3:-0}" "$2"; }

ra_over_budget() {
	ra_cs
	[ $((RA_CS - RA_T0)) -gt $((RA_BUDGET * 100)) ]
}

# ra_mod_absent NAME is true when the kernel module NAME is provably not
# loaded: listing its rules would make the kernel load it, a change to the host.
ra_mod_absent() {
	[ -r /proc/modules ] && [ ! -d "/sys/module/$1" ] && ! grep -q "^$1 " /proc/modules
}

# ra_run NAME SECS CMD... runs CMD bounded in time, stdin from /dev/null,
# stderr merged, output capped; the section records CMD's exit status.
ra_run() {
	ra_n=$1 ra_s=$2
	shift 2
	if ! ra_have "$1"; then
		ra_skip "$ra_n" missing:"$1" 127
		return
	fi
	if ra_over_budget; then
		ra_skip "$ra_n" budget
		return
	fi
	ra_begin "$ra_n"
	ra_rc=$( { { ra_timeout "$ra_s" "$@" </dev/null 2>&1; echo $? >&3; } | head -c "$RA_SECTION_CAP" >&4; } 3>&1)
	ra_end "$ra_n" "${ra_rc:-0}"
}

# ra_sh NAME SECS FUNC runs a shell function the same way (no timeout:
# functions only read /proc and small files, or call ra_timeout themselves).
ra_sh() {
	ra_n=$1
	if ra_over_budget; then
		ra_skip "$ra_n" budget
		return
	fi
	ra_begin "$ra_n"
	ra_rc=$( { { "$3" </dev/null 2>&1; echo $? >&3; } | head -c "$RA_SECTION_CAP" >&4; } 3>&1)
	ra_end "$ra_n" "${ra_rc:-0}"
}

# ra_timeout SECS CMD... uses whichever timeout(1) dialect exists.
ra_timeout() {
	ra_ts=$1
	shift
	case $RA_TIMEOUT in
	gnu) timeout -k 1 "$ra_ts" "$@" ;;
	plain) timeout "$ra_ts" "$@" ;;
	old) timeout -t "$ra_ts" "$@" ;;
	*) "$@" ;;
	esac
}

ra_detect_timeout() {
	RA_TIMEOUT=none
	ra_have timeout || return 0
	if timeout -k 1 5 true </dev/null >/dev/null 2>&1; then
		RA_TIMEOUT=gnu
	elif timeout 5 true </dev/null >/dev/null 2>&1; then
		RA_TIMEOUT=plain
	elif timeout -t 5 true </dev/null >/dev/null 2>&1; then
		RA_TIMEOUT=old
	fi
}

ra_file() {
	if [ -r "$1" ]; then
		cat "$1"
	elif [ -e "$1" ]; then
		echo "unreadable: $1"
		return 1
	else
		echo "absent: $1"
		return 2
	fi
}
ra_hosts_allow() { ra_file /etc/hosts.allow; }
ra_hosts_deny() { ra_file /etc/hosts.deny; }
ra_iptv() { printf '%s\n' "$RA_IPTV"; }

# --- meta -------------------------------------------------------------------

ra_meta() {
	echo "uid=$RA_UID"
	echo "user=${USER:-${LOGNAME:-}}"
	echo "sudo_user=${SUDO_USER:-}"
	ra_h=
	read -r ra_h </proc/sys/kernel/hostname 2>/dev/null
	echo "hostname=$ra_h"
	ra_k=
	read -r ra_k </proc/sys/kernel/osrelease 2>/dev/null
	echo "kernel=$ra_k"
	for ra_f in /etc/os-release /usr/lib/os-release; do
		[ -r "$ra_f" ] || continue
		while IFS= read -r ra_l; do
			case $ra_l in PRETTY_NAME=*) echo "os=${ra_l#PRETTY_NAME=}" ;; esac
		done <"$ra_f"
		break
	done
	echo "init=$RA_INIT"
	echo "now=$RA_NOW"
	echo "tz=$RA_TZ"
	while read -r ra_a ra_b; do
		[ "$ra_a" = btime ] && echo "btime=$ra_b" && break
	done </proc/stat
	echo "ssh_connection=${SSH_CONNECTION:-}"
	echo "client=$RA_CLIENT"
	echo "since=$RA_SINCE_EPOCH"
	echo "timeout=$RA_TIMEOUT"
	echo "clk_tck=$RA_CLK"
}

# --- sshd -------------------------------------------------------------------

# ra_procs lists sshd processes from /proc (works with BusyBox ps and
# without procps) and counts all processes. Format:
#   sshd pid=N ppid=N start=TICKS comm=NAME cmd=ARGS
#   processes=N
ra_procs() {
	ra_np=0 ra_ns=0
	for ra_d in /proc/[0-9]*; do
		ra_np=$((ra_np + 1))
		ra_c=
		read -r ra_c <"$ra_d/comm" 2>/dev/null || continue
		case $ra_c in sshd | sshd-session | sshd-auth) ;; *) continue ;; esac
		ra_ns=$((ra_ns + 1))
		[ "$ra_ns" -gt 40 ] && continue
		ra_st=
		read -r ra_st <"$ra_d/stat" 2>/dev/null || continue
		# Fields after "(comm) ": state ppid ... starttime is the 20th.
		set -- ${ra_st##*") "}
		[ $# -ge 20 ] || continue
		ra_pp=$2
		shift 19
		ra_cmd=$(tr '\000' ' ' <"$ra_d/cmdline" 2>/dev/null)
		echo "sshd pid=${ra_d#/proc/} ppid=$ra_pp start=$1 comm=$ra_c cmd=$ra_cmd"
	done
	echo "sshd_processes=$ra_ns"
	echo "processes=$ra_np"
}

ra_sshd_version() {
	if [ -n "$RA_SSHD" ]; then
		ra_timeout 5 "$RA_SSHD" -V 2>&1 | head -n 5
	fi
	if ra_have ssh; then ra_timeout 5 ssh -V 2>&1 | head -n 2; fi
	return 0
}

ra_service() {
	case $RA_INIT in
	systemd)
		ra_timeout 5 systemctl show -p Id,LoadState,ActiveState,SubState,ExecMainStartTimestamp,NRestarts,MainPID,Result ssh.service sshd.service ssh.socket
		;;
	openrc)
		ra_timeout 5 rc-service sshd status
		;;
	*)
		echo "no service manager query for init=$RA_INIT"
		return 3
		;;
	esac
}

ra_ldd() {
	ra_any=1
	for ra_b in "$RA_SSHD" /usr/lib/openssh/sshd-session /usr/libexec/openssh/sshd-session /usr/lib/ssh/sshd-session /usr/libexec/sshd-session; do
		[ -n "$ra_b" ] && [ -x "$ra_b" ] || continue
		echo "== $ra_b"
		ra_timeout 5 ldd "$ra_b"
		ra_any=0
	done
	return $ra_any
}

ra_sshd_T() {
	ra_timeout 5 "$RA_SSHD" -T && return 0
	echo "== retry with -C"
	ra_timeout 5 "$RA_SSHD" -T -C "user=root,host=localhost,addr=${RA_CLIENT:-127.0.0.1}"
}

# --- logs -------------------------------------------------------------------

RA_LOGPAT='sshd|sshd-session|ssh\.service|sshd\.service|Out of memory|oom-kill|Killed process|Cannot allocate memory|Too many open files|No space left on device|table full|systemd-shutdown|Reached target.*Shutdown|Linux version|segfault|fail2ban|Ban '
RA_KPAT='Out of memory|oom-kill|invoked oom-killer|Killed process|segfault|table full|Linux version|general protection|No space left|Too many open files'

ra_logs_journal() {
	ra_timeout 10 journalctl -u ssh.service -u sshd.service -u ssh.socket --since "@$RA_SINCE_EPOCH" -o short-iso --no-pager -q | tail -n 5000
}

# ra_logs_file reads the log and, when it exists uncompressed, the previous
# rotation (Debian's auth.log.1, RHEL's secure-DATE): a nightly audit right
# after a midnight rotation would otherwise see only the last hours.
ra_logs_file() {
	ra_prev=
	if [ -r "$RA_LOGFILE.1" ]; then
		ra_prev=$RA_LOGFILE.1
	else
		for ra_p in "$RA_LOGFILE"-[0-9]*; do
			case $ra_p in *.gz | *.xz | *.bz2 | *.zst) ;; *) [ -r "$ra_p" ] && ra_prev=$ra_p ;; esac
		done
	fi
	{
		[ -n "$ra_prev" ] && ra_timeout 10 tail -n 50000 "$ra_prev"
		ra_timeout 10 tail -n 50000 "$RA_LOGFILE"
	} | grep -E "$RA_LOGPAT" | tail -n 5000
}

ra_kernel_journal() {
	ra_timeout 10 journalctl _TRANSPORT=kernel --since "@$RA_SINCE_EPOCH" -o short-iso --no-pager -q | grep -E "$RA_KPAT|^-- " | tail -n 2000
}

ra_kernel_dmesg() {
	{ ra_timeout 5 dmesg -T 2>/dev/null || ra_timeout 5 dmesg; } | grep -E "$RA_KPAT|read kernel buffer|Operation not permitted" | tail -n 2000
}

ra_boots() {
	ra_r=1
	if [ "$RA_INIT" = systemd ] && ra_have journalctl; then
		echo "== journalctl --list-boots"
		ra_timeout 5 journalctl --list-boots --no-pager -q | tail -n 50
		ra_r=0
	fi
	if ra_have last; then
		echo "== last -x"
		ra_timeout 5 last -x -F reboot shutdown 2>/dev/null | head -n 50 || ra_timeout 5 last -x reboot shutdown | head -n 50
		ra_r=0
	fi
	return $ra_r
}

# --- firewall ---------------------------------------------------------------

ra_firewalld() {
	ra_timeout 10 firewall-cmd --state || return $?
	for ra_z in $(ra_timeout 10 firewall-cmd --get-active-zones | grep -v '^[[:space:]]'); do
		case $ra_z in *[!A-Za-z0-9_.-]*) continue ;; esac
		ra_timeout 10 firewall-cmd --zone="$ra_z" --list-all
	done
	return 0
}

# --- fail2ban ---------------------------------------------------------------

# ra_f2b_running tells whether a fail2ban server runs, without starting the
# Python client (the payload's most expensive command) when none does. The
# bracket keeps grep from matching its own command line.
ra_f2b_running() {
	for ra_s in /var/run/fail2ban/fail2ban.sock /run/fail2ban/fail2ban.sock; do
		[ -S "$ra_s" ] && return 0
	done
	grep -qs 'fail2ban[-]server' /proc/[0-9]*/cmdline 2>/dev/null
}

ra_fail2ban() {
	ra_out=$(ra_timeout 10 fail2ban-client status 2>&1)
	ra_r=$?
	printf '%s\n' "$ra_out"
	[ $ra_r -eq 0 ] || return $ra_r
	ra_jails=$(printf '%s\n' "$ra_out" | sed -n 's/.*Jail list:[[:space:]]*//p' | tr ',' ' ')
	ra_i=0
	for ra_j in $ra_jails; do
		case $ra_j in *[!A-Za-z0-9_.@-]*) continue ;; esac
		ra_i=$((ra_i + 1))
		[ $ra_i -gt 20 ] && break
		ra_timeout 10 fail2ban-client status "$ra_j" | head -c 65536
	done
	return 0
}

# --- resources, disk, network -------------------------------------------------

ra_resources() {
	for ra_f in /proc/loadavg /proc/meminfo /proc/pressure/cpu /proc/pressure/memory \
		/proc/sys/kernel/pid_max /proc/sys/kernel/threads-max /proc/sys/fs/file-nr /proc/sys/fs/file-max; do
		echo "== $ra_f"
		[ -r "$ra_f" ] && cat "$ra_f"
	done
	echo "== nproc"
	if ra_have nproc; then nproc; else grep -c '^processor' /proc/cpuinfo; fi
	return 0
}

ra_df_paths() {
	for ra_p in / /var /var/log /tmp /run; do [ -d "$ra_p" ] && printf '%s ' "$ra_p"; done
}

ra_sysctl() {
	# One grep for all keys: some procfs files misbehave on byte-wise reads.
	ra_l=
	for ra_k in net/ipv4/tcp_mtu_probing net/ipv4/ip_no_pmtu_disc net/ipv4/tcp_keepalive_time \
		net/ipv4/tcp_keepalive_intvl net/ipv4/tcp_keepalive_probes \
		net/netfilter/nf_conntrack_tcp_timeout_established net/netfilter/nf_conntrack_tcp_loose \
		net/netfilter/nf_conntrack_count net/netfilter/nf_conntrack_max net/ipv4/tcp_syncookies \
		net/ipv4/tcp_max_syn_backlog net/core/somaxconn net/ipv4/ip_local_port_range; do
		[ -r "/proc/sys/$ra_k" ] && ra_l="$ra_l /proc/sys/$ra_k"
	done
	[ -n "$ra_l" ] && grep -H '' $ra_l
	return 0
}

ra_links_sys() {
	for ra_d in /sys/class/net/*; do
		[ -d "$ra_d" ] || continue
		ra_m= ra_o=
		read -r ra_m <"$ra_d/mtu" 2>/dev/null
		read -r ra_o <"$ra_d/operstate" 2>/dev/null
		echo "${ra_d##*/} mtu=$ra_m state=$ra_o"
	done
}

ra_resolv() {
	[ -r /etc/resolv.conf ] || { echo "absent: /etc/resolv.conf"; return 2; }
	while read -r ra_a ra_b _; do
		[ "$ra_a" = nameserver ] && echo "nameserver $ra_b"
	done </etc/resolv.conf
	return 0
}

ra_rdns() {
	ra_q=$RA_CLIENT
	[ -n "$ra_q" ] || ra_q=${SSH_CONNECTION%% *}
	case $ra_q in '' | *[!0-9A-Fa-f.:]*) echo "no client address"; return 3 ;; esac
	echo "query=$ra_q"
	ra_cs
	ra_a=$RA_CS
	ra_timeout 6 getent hosts "$ra_q"
	ra_r=$?
	ra_cs
	echo "elapsed_ms=$(((RA_CS - ra_a) * 10))"
	echo "rc=$ra_r"
	return $ra_r
}

# --- main ---------------------------------------------------------------------

ra_main() {
	ra_cs
	RA_T0=$RA_CS
	RA_UID=$(id -u 2>/dev/null)
	RA_NOW=$(date '+%s %z')
	RA_TZ=${RA_NOW#* }
	RA_NOW=${RA_NOW%% *}
	case $RA_NOW in '' | *[!0-9]*) RA_NOW=0 ;; esac
	RA_SINCE_EPOCH=$((RA_NOW - RA_SINCE))
	RA_CLK=$(getconf CLK_TCK 2>/dev/null)
	ra_detect_timeout
	if [ -d /run/systemd/system ]; then
		RA_INIT=systemd
	elif [ -d /run/openrc ] || ra_have openrc; then
		RA_INIT=openrc
	else
		RA_INIT=sysv
		if [ -L /sbin/init ]; then
			case $(ls -l /sbin/init) in *busybox*) RA_INIT=busybox ;; esac
		fi
	fi
	RA_SSHD=$(command -v sshd 2>/dev/null)
	[ -z "$RA_SSHD" ] && [ -x /usr/sbin/sshd ] && RA_SSHD=/usr/sbin/sshd
	RA_ROOT=0
	[ "$RA_UID" = 0 ] && RA_ROOT=1

	ra_sh meta 1 ra_meta

	# sshd
	ra_sh sshd_procs 1 ra_procs
	if [ -n "$RA_SSHD" ]; then ra_sh sshd_version 5 ra_sshd_version; else ra_skip sshd_version missing:sshd 127; fi
	ra_sh sshd_service 5 ra_service
	if ra_have ss; then
		ra_run listen_ss 5 ss -ltnp
	elif ra_have netstat; then
		ra_run listen_netstat 5 netstat -ltnp
	else
		ra_run listen_proc 2 cat /proc/net/tcp /proc/net/tcp6
	fi
	if ra_have ldd; then ra_sh sshd_ldd 5 ra_ldd; else ra_skip sshd_ldd missing:ldd 127; fi

	# sshd_config
	if [ -z "$RA_SSHD" ]; then
		ra_skip sshd_T missing:sshd 127
		ra_skip sshd_t missing:sshd 127
	elif [ $RA_ROOT = 1 ]; then
		ra_sh sshd_T 10 ra_sshd_T
		ra_run sshd_t 5 "$RA_SSHD" -t
	else
		ra_skip sshd_T needs_root
		ra_skip sshd_t needs_root
	fi

	# logs
	if [ "$RA_INIT" = systemd ] && ra_have journalctl && [ -d /var/log/journal -o -d /run/log/journal ]; then
		ra_sh "logs src=journal" 10 ra_logs_journal
	else
		RA_LOGFILE=
		for ra_f in /var/log/auth.log /var/log/secure /var/log/messages; do
			[ -e "$ra_f" ] && { RA_LOGFILE=$ra_f; break; }
		done
		if [ -z "$RA_LOGFILE" ]; then
			ra_skip logs no_log_file 2
		elif [ ! -r "$RA_LOGFILE" ]; then
			ra_skip "logs src=${RA_LOGFILE##*/}" needs_root 1
		else
			ra_sh "logs src=${RA_LOGFILE##*/}" 10 ra_logs_file
		fi
	fi
	if [ "$RA_INIT" = systemd ] && ra_have journalctl && [ -d /var/log/journal -o -d /run/log/journal ]; then
		ra_sh "kernel_log src=journal" 10 ra_kernel_journal
	elif ra_have dmesg; then
		ra_sh "kernel_log src=dmesg" 5 ra_kernel_dmesg
	else
		ra_skip kernel_log missing:dmesg 127
	fi
	ra_sh boots 5 ra_boots

	# firewall
	RA_IPTV=
	if ra_have iptables; then
		RA_IPTV=$(ra_timeout 2 iptables -V </dev/null 2>&1)
		ra_sh iptables_v 2 ra_iptv
	else
		ra_skip iptables_v missing:iptables 127
	fi
	if [ $RA_ROOT = 1 ]; then
		case $RA_IPTV in
		*nf_tables*) ra_m4=nf_tables ra_m6=nf_tables ;;
		*) ra_m4=ip_tables ra_m6=ip6_tables ;;
		esac
		if ra_mod_absent $ra_m4; then ra_skip iptables_save not_loaded; else ra_run iptables_save 5 iptables-save; fi
		if ra_mod_absent $ra_m6; then ra_skip ip6tables_save not_loaded; else ra_run ip6tables_save 5 ip6tables-save; fi
		if ra_mod_absent nf_tables; then ra_skip nft not_loaded; else ra_run nft 5 nft -j list ruleset; fi
		if ra_have firewall-cmd; then ra_sh firewalld 20 ra_firewalld; else ra_skip firewalld missing:firewall-cmd 127; fi
		ra_run ufw 10 ufw status verbose
	else
		for ra_s in iptables_save ip6tables_save nft firewalld ufw; do ra_skip $ra_s needs_root; done
	fi

	# tcp wrappers
	ra_sh hosts_allow 2 ra_hosts_allow
	ra_sh hosts_deny 2 ra_hosts_deny

	# fail2ban
	if ! ra_have fail2ban-client; then
		ra_skip fail2ban missing:fail2ban-client 127
	elif [ $RA_ROOT = 1 ] && ! ra_f2b_running; then
		ra_skip fail2ban not_running
	elif [ $RA_ROOT = 1 ]; then
		ra_sh fail2ban 30 ra_fail2ban
	else
		ra_skip fail2ban needs_root
	fi

	# resources, disk, network
	ra_sh resources 2 ra_resources
	ra_run df 10 df -P -k $(ra_df_paths)
	ra_run df_inodes 10 df -P -i $(ra_df_paths)
	if ra_have ip; then
		ra_run ip_link 2 ip -o link
		ra_run ip_addr 2 ip -o addr
	else
		ra_sh sys_net 2 ra_links_sys
	fi
	ra_sh sysctl 1 ra_sysctl
	ra_sh resolv 1 ra_resolv
	ra_sh rdns 8 ra_rdns
	ra_cs
	ra_begin done
	echo "elapsed_ms=$(((RA_CS - RA_T0) * 10))"
	ra_end done 0
}

# Commands must use file descriptor 4 for section output (see ra_run).
ra_top() {
	exec 4>&1
	ra_main
}
ra_top </dev/null 2>/dev/null | head -c "$RA_TOTAL_CAP"
