#!/usr/bin/env python3
"""A small OAuth 2.0 token endpoint for tandem's tests, on 127.0.0.1 only.

Implements the refresh_token grant (RFC 6749 section 6) with rotation and with reuse
detection that revokes the whole grant, as strict providers do (RFC 9700): a refresh token
used a second time revokes its family. It has a configurable delay and counters, and it
stops by itself after --lifetime seconds.

  POST /token            grant_type=refresh_token&refresh_token=...&client_id=...
  POST /admin/family     {"expired": false} -> {"refresh_token": "..."} (a new grant)
  POST /admin/config     {"delay_ms": 2000, "answer_override": {"expires_in": 0}, "echo_secrets": true}
                         answer_override: members merged into every successful token answer
                         (after the rotation has happened, as a provider with a bug would);
                         echo_secrets: every error_description repeats the refresh token and
                         client secret it received, as careless providers do
  GET  /stats            {"requests", "refreshes", "reuse_detected", "rejected"}
"""
import argparse
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"delay_ms": 0, "answer_override": {}, "echo_secrets": False, "requests": 0, "refreshes": 0, "reuse_detected": 0, "rejected": 0}
FAMILIES = {}  # family id -> {"current": token, "used": set(), "revoked": bool, "expired": bool}
TOKENS = {}  # refresh token -> family id
ARGS = None


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(length).decode()

    def do_GET(self):
        if self.path == "/stats":
            with LOCK:
                self.reply(200, {k: STATE[k] for k in ("requests", "refreshes", "reuse_detected", "rejected")})
        else:
            self.reply(404, {"error": "not_found"})

    def do_POST(self):
        if self.path == "/admin/family":
            options = json.loads(self.body() or "{}")
            with LOCK:
                family = secrets.token_hex(4)
                token = "rt-" + secrets.token_hex(12)
                FAMILIES[family] = {"current": token, "used": set(), "revoked": False,
                                    "expired": bool(options.get("expired"))}
                TOKENS[token] = family
            return self.reply(200, {"refresh_token": token})
        if self.path == "/admin/config":
            options = json.loads(self.body() or "{}")
            with LOCK:
                STATE["delay_ms"] = int(options.get("delay_ms", STATE["delay_ms"]))
                STATE["answer_override"] = dict(options.get("answer_override", STATE["answer_override"]))
                STATE["echo_secrets"] = bool(options.get("echo_secrets", STATE["echo_secrets"]))
            return self.reply(200, {"delay_ms": STATE["delay_ms"]})
        if self.path != "/token":
            return self.reply(404, {"error": "not_found"})
        form = urllib.parse.parse_qs(self.body())
        with LOCK:
            STATE["requests"] += 1
            delay = STATE["delay_ms"]
            override = dict(STATE["answer_override"])
            echo = STATE["echo_secrets"]
        if echo:
            received = " (received refresh_token=%s client_secret=%s)" % (
                form.get("refresh_token", [""])[0], form.get("client_secret", [""])[0])
            original = self.reply

            def reply(status, body):
                if "error" in body:
                    body = dict(body)
                    body["error_description"] = body.get("error_description", "") + received
                original(status, body)
            self.reply = reply
        # The request has arrived; the provider acts on it even if the client goes away.
        time.sleep(delay / 1000)
        if form.get("client_id", [""])[0] != ARGS.client_id:
            with LOCK:
                STATE["rejected"] += 1
            return self.reply(401, {"error": "invalid_client", "error_description": "unknown client"})
        if form.get("grant_type", [""])[0] != "refresh_token":
            return self.reply(400, {"error": "unsupported_grant_type"})
        token = form.get("refresh_token", [""])[0]
        with LOCK:
            family_id = TOKENS.get(token)
            family = FAMILIES.get(family_id)
            if family is None:
                STATE["rejected"] += 1
                return self.reply(400, {"error": "invalid_grant", "error_description": "unknown refresh token"})
            if family["expired"]:
                STATE["rejected"] += 1
                return self.reply(400, {"error": "invalid_grant", "error_description": "refresh token expired"})
            if family["revoked"]:
                STATE["rejected"] += 1
                return self.reply(400, {"error": "invalid_grant", "error_description": "grant revoked"})
            if token in family["used"]:
                family["revoked"] = True
                STATE["reuse_detected"] += 1
                STATE["rejected"] += 1
                return self.reply(400, {"error": "invalid_grant",
                                        "error_description": "refresh token reuse detected; grant revoked"})
            family["used"].add(token)
            new_token = "rt-" + secrets.token_hex(12)
            family["current"] = new_token
            TOKENS[new_token] = family_id
            STATE["refreshes"] += 1
            access = "at-%d-%s" % (STATE["refreshes"], secrets.token_hex(6))
        answer = {"access_token": access, "token_type": "Bearer",
                  "expires_in": ARGS.access_ttl, "refresh_token": new_token}
        answer.update(override)
        return self.reply(200, answer)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--client-id", default="tandem-test")
    parser.add_argument("--access-ttl", type=int, default=3600)
    parser.add_argument("--lifetime", type=float, default=300)
    ARGS = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Timer(ARGS.lifetime, server.shutdown).start()
    with open(ARGS.port_file + ".tmp", "w") as handle:
        handle.write(str(server.server_address[1]))
    import os
    os.rename(ARGS.port_file + ".tmp", ARGS.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
