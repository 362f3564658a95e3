"""A real SMTP server on loopback for the e-mail notification tests: Debian's aiosmtpd.

    python3 smtp_server.py <port> <cert.pem|-> <key.pem|-> <user> <password>

With a certificate it offers STARTTLS and requires it (and authentication only after it); with
"-" it offers neither STARTTLS nor authentication. Each message received is printed to stdout
as one JSON line; {"ready": true} once it listens. It stops when stdin closes.
"""

import json
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, cert, key, user, password = sys.argv[1:6]


class Handler:
    async def handle_DATA(self, server, session, envelope):
        login = getattr(session.auth_data, "login", None)
        print(
            json.dumps(
                {
                    "from": envelope.mail_from,
                    "to": envelope.rcpt_tos,
                    "data": envelope.content.decode("utf8", "replace"),
                    "tls": session.ssl is not None,
                    "user": login.decode() if login else None,
                }
            ),
            flush=True,
        )
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == user
        and auth_data.password.decode() == password
    )
    # handled=False: aiosmtpd answers 535 itself (with True it would answer nothing).
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


kwargs = {}
if cert != "-":
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    kwargs = dict(
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
    )

controller = Controller(Handler(), hostname="127.0.0.1", port=int(port), **kwargs)
controller.start()
print(json.dumps({"ready": True}), flush=True)
sys.stdin.read()
controller.stop()
