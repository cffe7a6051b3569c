"""A real SMTP server for Patchbay's tests (aiosmtpd), on 127.0.0.1 only.

    smtp_server.py --mode plain|starttls|implicit [--cert C --key K] [--user U --password P]

Prints "READY <port>" once listening, then serves until killed. AUTH LOGIN/PLAIN accepts exactly the
given user and password; with --mode plain AUTH is allowed without TLS (aiosmtpd refuses that by default).
Messages are appended as JSON lines to --spool when given.
"""
import argparse
import asyncio
import json
import socket
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Spool:
    def __init__(self, path):
        self.path = path

    async def handle_DATA(self, server, session, envelope):
        if self.path:
            with open(self.path, "a", encoding="utf-8") as spool:
                spool.write(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                                        "data": envelope.content.decode("utf-8", "replace")}) + "\n")
        return "250 Message accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["plain", "starttls", "implicit"], required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--user", default="ops")
    parser.add_argument("--password", default="right-password")
    parser.add_argument("--spool")
    args = parser.parse_args()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == args.user \
            and auth_data.password.decode() == args.password
        return AuthResult(success=ok, handled=False)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    context = None
    if args.mode in ("starttls", "implicit"):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    kwargs = dict(hostname="127.0.0.1", port=port, authenticator=authenticator, auth_require_tls=args.mode != "plain")
    if args.mode == "starttls":
        kwargs.update(tls_context=context, require_starttls=True)
    elif args.mode == "implicit":
        kwargs.update(ssl_context=context)
    controller = Controller(Spool(args.spool), **kwargs)
    controller.start()
    print(f"READY {port}", flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
