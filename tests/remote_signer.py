"""A stub remote signing service for tests/sign_remote.rs, speaking the interface of
src/sign/remote.rs on 127.0.0.1 (it prints its port on the first line). It holds the
test CA's signer key and signs the digest it is sent with `openssl pkeyutl`, as a real
service signs once the signer confirms on their phone.

usage: remote_signer.py CA_DIR TOKEN
users: approve   confirmed after three polls
       approve-ec  the same with the ECDSA key (signer-ec)
       instant   confirmed at the first poll (the benchmark's)
       refuse    the signer refuses
       slow      never confirmed (the caller times out)
       garbage   "approved" with bytes that are not a signature
       badjson   a status that is not JSON
GET /log: the signature requests received, as JSON.
POST /hold {"hold": true|false}: while held, every request stays pending (the signer
has not looked at their phone yet).
"""
import base64
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading

CA = os.path.abspath(sys.argv[1])
TOKEN = sys.argv[2]
KEYS = {"approve-ec": "signer-ec"}
lock = threading.Lock()
requests = []
jobs = {}
hold = [False]


def der(pem_path):
    return subprocess.run(["openssl", "x509", "-in", pem_path, "-outform", "DER"],
                          check=True, capture_output=True).stdout


def sign(name, digest):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "digest")
        with open(path, "wb") as f:
            f.write(digest)
        return subprocess.run(
            ["openssl", "pkeyutl", "-sign", "-in", path, "-inkey", os.path.join(CA, name + ".key"),
             "-pkeyopt", "digest:sha256"],
            check=True, capture_output=True).stdout


class Handler(http.server.BaseHTTPRequestHandler):
    def reply(self, status, body, raw=False):
        data = body if raw else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorised(self):
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            self.reply(401, {"error": "unauthorised"})
            return False
        return True

    def do_GET(self):
        if self.path == "/log":
            with lock:
                return self.reply(200, requests)
        if not self.authorised():
            return
        parts = self.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "certificates":
            name = KEYS.get(parts[1], "signer")
            return self.reply(200, {
                "certificate": base64.b64encode(der(os.path.join(CA, name + ".pem"))).decode(),
                "chain": [base64.b64encode(der(os.path.join(CA, "int.pem"))).decode()],
            })
        if len(parts) == 2 and parts[0] == "signatures":
            with lock:
                job = jobs.get(parts[1])
                if job is None:
                    return self.reply(404, {"error": "no such request"})
                job["polls"] += 1
                user, polls = job["user"], job["polls"]
            if user == "badjson":
                return self.reply(200, b"<html>loi</html>", raw=True)
            if user == "refuse":
                return self.reply(200, {"status": "refused", "message": "không đồng ý"})
            if user == "slow" or (polls < 3 and user != "instant") or hold[0]:
                return self.reply(200, {"status": "pending"})
            if user == "garbage":
                return self.reply(200, {"status": "approved",
                                        "signature": base64.b64encode(b"\x01" * 256).decode()})
            signature = sign(KEYS.get(user, "signer"), job["digest"])
            return self.reply(200, {"status": "approved",
                                    "signature": base64.b64encode(signature).decode()})
        self.reply(404, {"error": "not found"})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        if self.path == "/hold":
            hold[0] = bool(body["hold"])
            return self.reply(200, {"hold": hold[0]})
        if not self.authorised():
            return
        with lock:
            requests.append(body)
            job_id = "yc-%d" % len(requests)
            jobs[job_id] = {"user": body["user"], "digest": base64.b64decode(body["digest"]),
                            "polls": 0}
        self.reply(202, {"id": job_id})

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
