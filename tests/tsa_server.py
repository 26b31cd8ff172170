"""A local RFC 3161 time-stamping authority for tests/sign.rs: `openssl ts -reply`
behind a tiny HTTP server on 127.0.0.1 (it prints its port on the first line).

usage: tsa_server.py CA_DIR
paths: /ok      a real token for the request
       /refuse  a TimeStampResp with status 2 (rejection)
       /garbage bytes that are not a TimeStampResp
       /other   a real token, but for another hash than the one asked
"""
import fcntl
import http.server
import os
import subprocess
import sys
import tempfile

CA = os.path.abspath(sys.argv[1])


def reply(query: bytes) -> bytes:
    with tempfile.TemporaryDirectory() as d:
        q, r = os.path.join(d, "q.tsq"), os.path.join(d, "r.tsr")
        with open(q, "wb") as f:
            f.write(query)
        # `openssl ts -reply` rewrites the CA's serial file: two replies at once (two
        # signatures, or two tests sharing one CA) would read it half written and
        # answer "rejection". One reply at a time per CA directory, across processes.
        with open(os.path.join(CA, ".tsa.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            subprocess.run(
                ["openssl", "ts", "-reply", "-config", "ca.cnf", "-section", "tsa_config",
                 "-queryfile", q, "-out", r],
                cwd=CA, check=True, capture_output=True,
            )
        with open(r, "rb") as f:
            return f.read()


def other_query() -> bytes:
    return subprocess.run(
        ["openssl", "ts", "-query", "-digest", "00" * 32, "-sha256", "-cert"],
        check=True, capture_output=True,
    ).stdout


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/ok":
            out = reply(body)
        elif self.path == "/other":
            out = reply(other_query())
        elif self.path == "/refuse":
            out = bytes.fromhex("3005300302010" + "2")
        else:
            out = b"rac rac, khong phai dau thoi gian"
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
