"""Measures a signed PDF for tests/sign.rs (run with the pyHanko venv's python).

usage: sign_check.py images FILE.pdf   -> JSON: the images of the last page that has
                                          any (x0, x1, top, bottom in pt, and size in
                                          pixels) and the words of that page with boxes
       sign_check.py attrs FILE.pdf      -> JSON: per embedded signature (pyHanko's
                                          reader), its SubFilter and the names of its
                                          signed and unsigned CMS attributes
       sign_check.py attachment FILE.eml -> writes the PDF attachment's bytes to stdout
"""
import email
import json
import sys


def images(path):
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        for page in reversed(pdf.pages):
            if page.images:
                out = {
                    "page": page.page_number,
                    "images": [
                        {
                            "x0": i["x0"],
                            "x1": i["x1"],
                            "top": i["top"],
                            "bottom": i["bottom"],
                            "width_px": i["srcsize"][0],
                            "height_px": i["srcsize"][1],
                        }
                        for i in page.images
                    ],
                    "words": [
                        {"text": w["text"], "x0": w["x0"], "x1": w["x1"], "top": w["top"], "bottom": w["bottom"]}
                        for w in page.extract_words()
                    ],
                }
                print(json.dumps(out))
                return
    print(json.dumps({"page": 0, "images": [], "words": []}))


def attrs(path):
    from pyhanko.pdf_utils.reader import PdfFileReader

    with open(path, "rb") as f:
        r = PdfFileReader(f)
        out = []
        for s in r.embedded_signatures:
            si = s.signer_info
            out.append(
                {
                    "field": s.field_name,
                    "sub_filter": str(s.sig_object["/SubFilter"]),
                    "signed": [a["type"].native for a in si["signed_attrs"]],
                    "unsigned": [a["type"].native for a in si["unsigned_attrs"]]
                    if si["unsigned_attrs"].native
                    else [],
                    "digest": si["digest_algorithm"]["algorithm"].native,
                }
            )
        print(json.dumps(out))


def attachment(path):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f)
    for part in msg.walk():
        if part.get_content_type() == "application/pdf":
            sys.stdout.buffer.write(part.get_payload(decode=True))
            return
    sys.exit("no PDF attachment")


if __name__ == "__main__":
    {"images": images, "attrs": attrs, "attachment": attachment}[sys.argv[1]](sys.argv[2])
