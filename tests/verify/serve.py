"""Serves a directory over HTTP on 127.0.0.1 for tests/verify_long_term.rs (the CRL a
certificate's distribution point names); prints its port on the first line, counts
requests in DIR/requests.log.

usage: serve.py DIR
"""
import functools
import http.server
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        with open(self.directory + "/requests.log", "a") as f:
            f.write(self.path + "\n")


server = http.server.HTTPServer(
    ("127.0.0.1", 0), functools.partial(Handler, directory=sys.argv[1]))
print(server.server_address[1], flush=True)
server.serve_forever()
