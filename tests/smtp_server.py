#!/usr/bin/python3
"""A real SMTP server on 127.0.0.1 for vanthu's delivery tests (aiosmtpd, Debian's
python3-aiosmtpd). Every accepted message is written to a Maildir with a
`Delivered-To:` line, as a local delivery agent would.

Behaviours the tests ask for, by flag:
  --temp-fail ADDR   the first RCPT TO for ADDR answers 451, later ones 250
  --reject ADDR      every RCPT TO for ADDR answers 550
  --stall-after N --stall-file F
                     while F exists and N messages were accepted, RCPT TO gets no
                     answer (the client waits before sending the message): a client
                     killed meanwhile has sent nothing
  --tls-cert/--tls-key  offer STARTTLS and require it
  --implicit-tls     with --tls-cert/--tls-key: TLS from the first byte (port 465 style)
  --auth USER:PASS   require AUTH (PLAIN/LOGIN) with these credentials
  --strict-helo      every RCPT TO after an EHLO name that is not fully qualified
                     answers 504 5.5.2, as Postfix's reject_non_fqdn_helo_hostname
The log (--log) has a line "HELO <name>" per accepted message.
The chosen port is written to --port-file once the server listens.
"""
import argparse
import asyncio
import mailbox
import os
import signal
import socket
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, args):
        self.args = args
        self.maildir = mailbox.Maildir(args.maildir, create=True) if args.maildir else None
        self.temp_failed = set()
        self.accepted = 0
        self.stalled = 0
        self.lock = threading.Lock()

    def set_stalled(self, delta):
        """How many sessions wait at RCPT TO now, in <count-file>.stalled."""
        self.stalled += delta
        if self.args.count_file:
            path = self.args.count_file + ".stalled"
            with open(path + ".tmp", "w") as f:
                f.write(str(self.stalled))
            os.replace(path + ".tmp", path)

    def log(self, line):
        if self.args.log:
            with open(self.args.log, "a", encoding="utf-8") as f:
                f.write(line + "\n")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        a = self.args
        if a.stall_file and self.accepted >= a.stall_after and os.path.exists(a.stall_file):
            self.set_stalled(+1)
            try:
                while os.path.exists(a.stall_file):
                    await asyncio.sleep(0.05)
            finally:
                self.set_stalled(-1)
        addr = address.lower()
        if a.strict_helo and "." not in (session.host_name or ""):
            self.log(f"RCPT {addr} 504 {session.host_name}")
            return "504 5.5.2 <%s>: Helo command rejected: need fully-qualified hostname" % session.host_name
        if addr in self.args.reject:
            self.log(f"RCPT {addr} 550")
            return "550 5.1.1 <%s>: Recipient address rejected: mailbox unavailable" % address
        if addr in self.args.temp_fail and addr not in self.temp_failed:
            self.temp_failed.add(addr)
            self.log(f"RCPT {addr} 451")
            return "451 4.3.0 <%s>: temporarily unavailable, try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        a = self.args
        content = envelope.original_content or envelope.content
        with self.lock:
            self.accepted += 1
            n = self.accepted
        if self.maildir is not None:
            for rcpt in envelope.rcpt_tos:
                self.maildir.add(b"Delivered-To: " + rcpt.encode() + b"\r\n" + content)
        if a.count_file:
            with open(a.count_file + ".tmp", "w") as f:
                f.write(str(n))
            os.replace(a.count_file + ".tmp", a.count_file)
        self.log(f"HELO {session.host_name}")
        self.log(f"MAIL FROM {envelope.mail_from}")
        self.log(f"DATA {','.join(envelope.rcpt_tos)} 250")
        return "250 2.0.0 Ok: queued as vanthu-test-%d" % n


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--maildir")
    p.add_argument("--port-file", required=True)
    p.add_argument("--count-file")
    p.add_argument("--log")
    p.add_argument("--temp-fail", action="append", default=[])
    p.add_argument("--reject", action="append", default=[])
    p.add_argument("--stall-after", type=int, default=0)
    p.add_argument("--stall-file")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--implicit-tls", action="store_true")
    p.add_argument("--auth")
    p.add_argument("--strict-helo", action="store_true")
    a = p.parse_args()
    a.temp_fail = {x.lower() for x in a.temp_fail}
    a.reject = {x.lower() for x in a.reject}

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    params = {"data_size_limit": 64 * 1024 * 1024}
    implicit = None
    if a.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        if a.implicit_tls:
            implicit = ctx
        else:
            params.update(tls_context=ctx, require_starttls=True)
    if a.auth:
        user, password = a.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == user
                and auth_data.password.decode() == password
            )
            # handled=False: aiosmtpd answers 535 itself.
            return AuthResult(success=ok, handled=False)

        params.update(authenticator=authenticator, auth_required=True,
                      auth_require_tls=bool(a.tls_cert) and not a.implicit_tls)
    handler = Handler(a)
    controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="localhost",
                            ssl_context=implicit, **params)
    controller.start()
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.replace(a.port_file + ".tmp", a.port_file)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
