#!/usr/bin/python3
"""Verifies the DKIM signature of every message of a folder of .eml files (or a
Maildir) with dkimpy (Debian's python3-dkim), the key's DNS record given on the
command line instead of looked up, as a receiving server would check it.

usage: dkim_check.py FOLDER SELECTOR DOMAIN PUBLIC_KEY_DER_BASE64
prints JSON: [{"file", "signed", "valid", "d", "s", "h"}]
"""
import json
import os
import sys

import dkim

folder, selector, domain, p = sys.argv[1:5]
record = ("v=DKIM1; k=rsa; p=" + p).encode()
want = f"{selector}._domainkey.{domain}."


def dns(name, timeout=5):
    if isinstance(name, bytes):
        name = name.decode()
    return record if name.rstrip(".") + "." == want else None


def messages():
    if os.path.isdir(os.path.join(folder, "cur")):
        # The files as the MTA wrote them (Python's mailbox would re-fold headers), with
        # the CRLF line ends of the wire (a Maildir stores LF).
        for sub in ("new", "cur"):
            for name in sorted(os.listdir(os.path.join(folder, sub))):
                with open(os.path.join(folder, sub, name), "rb") as f:
                    raw = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
                yield name, raw
    else:
        for name in sorted(os.listdir(folder)):
            if name.endswith(".eml"):
                with open(os.path.join(folder, name), "rb") as f:
                    yield name, f.read()


out = []
for name, raw in messages():
    tags = {}
    sig = dkim.DKIM(raw)
    signed = b"dkim-signature:" in raw.lower()
    if signed:
        header = [v for k, v in sig.headers if k.lower() == b"dkim-signature"][0]
        tags = {k.decode(): v.decode() for k, v in dkim.util.parse_tag_value(header).items()}
    out.append({
        "file": name,
        "signed": signed,
        "valid": bool(dkim.verify(raw, dnsfunc=dns)) if signed else False,
        "d": tags.get("d", ""),
        "s": tags.get("s", ""),
        "h": tags.get("h", "").replace(" ", ""),
    })
print(json.dumps(out))
