"""The verifier matrix of tests/verify_matrix.rs (run with the pyHanko venv's python).

usage: matrix.py make PKI OUT PLAIN.pdf VANTHU.pdf
           writes OUT/<case>.pdf for every case below (PLAIN: an unsigned vanthu
           render; VANTHU: vanthu's own signed issue) and OUT/cases.json
       matrix.py validate PKI FILE.pdf...
           pyHanko's verdict on each file with the matrix's trust (root.pem and the
           CRLs of PKI), one JSON object per file on one line:
           {"file", "readable", "signatures": [{"kind", "bottom_line", "intact",
           "valid", "trusted", "revoked", "modification", "coverage", "error"}]}

Every case is made here, from the PKI of make-pki.sh, with pyHanko's signer, its
incremental writer, qpdf, or byte edits: nothing is a fixture file.
"""
import asyncio
import datetime
import json
import os
import re
import subprocess
import sys

from asn1crypto import crl as asn1_crl
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import (
    add_validation_info,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko_certvalidator import ValidationContext

PKI = ""


def pem(name):
    return os.path.join(PKI, name)


def context():
    crls = []
    for c in ("int", "root", "int0", "sub"):
        with open(pem(c + ".crl"), "rb") as f:
            data = f.read()
        der = subprocess.run(["openssl", "crl", "-outform", "DER"], input=data,
                             capture_output=True, check=True).stdout
        crls.append(asn1_crl.CertificateList.load(der))
    return ValidationContext(
        trust_roots=[load_cert_from_pemder(pem("root.pem"))],
        crls=crls,
        allow_fetching=False,
        # "require": every certificate checked against the CRLs given (pyHanko's
        # soft and hard modes check only certificates that name a CRL or OCSP address).
        revocation_mode="require",
    )


def signer(name, chain=("int",), pss=False):
    return signers.SimpleSigner.load(
        pem(name + ".key"), pem(name + ".pem"),
        ca_chain_files=[pem(c + ".pem") for c in chain], prefer_pss=pss,
    )


def stamper(name="tsa", at=None):
    return DummyTimeStamper(
        tsa_cert=load_cert_from_pemder(pem(name + ".pem")),
        tsa_key=load_private_key_from_pemder(pem(name + ".key"), passphrase=None),
        certs_to_embed=[load_cert_from_pemder(pem("int.pem"))],
        fixed_dt=at,
    )


def sign(src, dst, who, field, md="sha256", pss=False, subfilter=fields.SigSeedSubFilter.PADES,
         timestamper=None, chain=("int",), edit=None, reason=None, password=None, **meta):
    with open(src, "rb") as f:
        w = IncrementalPdfFileWriter(f, strict=False)
        if password is not None:
            w.encrypt(password)
        if edit:
            edit(w)
        m = signers.PdfSignatureMetadata(field_name=field, md_algorithm=md, subfilter=subfilter,
                                         reason=reason, **meta)
        with open(dst, "wb") as out:
            signers.sign_pdf(w, m, signer=who, timestamper=timestamper, output=out)


def update(src, dst, edit):
    with open(src, "rb") as f:
        w = IncrementalPdfFileWriter(f, strict=False)
        edit(w)
        with open(dst, "wb") as out:
            w.write(out)


def first_page(w):
    return w.root["/Pages"]["/Kids"][0].get_object(), w.root["/Pages"]["/Kids"][0]


def new_content(w):
    page, ref = first_page(w)
    stream = generic.StreamObject(stream_data=b"BT /F1 40 Tf 72 400 Td (DA SUA) Tj ET")
    page["/Contents"] = w.add_object(stream)
    w.update_container(page)


def add_annotation(w):
    page, ref = first_page(w)
    annot = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name("/Text"),
        pdf_name("/Rect"): generic.ArrayObject([generic.NumberObject(x) for x in (50, 50, 80, 80)]),
        pdf_name("/Contents"): generic.TextStringObject("Ghi chu them sau khi ky"),
    })
    annots = page.get("/Annots", generic.ArrayObject())
    annots = generic.ArrayObject(list(annots.get_object()) if isinstance(annots, generic.IndirectObject) else list(annots))
    annots.append(w.add_object(annot))
    page["/Annots"] = annots
    w.update_container(page)


def change_info(w):
    info = w.trailer["/Info"].get_object()
    info["/Title"] = generic.TextStringObject("Tieu de da doi")
    w.update_container(info)


def add_text_field(w):
    page, ref = first_page(w)
    field = w.add_object(generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name("/Widget"),
        pdf_name("/FT"): pdf_name("/Tx"), pdf_name("/T"): generic.TextStringObject("GhiThem"),
        pdf_name("/V"): generic.TextStringObject("so tien 1.000.000.000 dong"),
        pdf_name("/Rect"): generic.ArrayObject([generic.NumberObject(x) for x in (50, 50, 200, 70)]),
        pdf_name("/P"): ref,
    }))
    form = w.root["/AcroForm"].get_object() if "/AcroForm" in w.root else None
    form_fields = form["/Fields"] if form is not None else generic.ArrayObject()
    form_fields.append(field)
    w.update_container(w.root["/AcroForm"] if isinstance(w.root.raw_get("/AcroForm"), generic.IndirectObject) else w.root)
    annots = page.get("/Annots", generic.ArrayObject())
    annots = generic.ArrayObject(list(annots.get_object()) if isinstance(annots, generic.IndirectObject) else list(annots))
    annots.append(field)
    page["/Annots"] = annots
    w.update_container(page)


def add_page(w):
    page, ref = first_page(w)
    new = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Page"),
        pdf_name("/MediaBox"): page["/MediaBox"],
        pdf_name("/Resources"): generic.DictionaryObject(),
        pdf_name("/Contents"): w.add_object(generic.StreamObject(stream_data=b"")),
    })
    w.insert_page(new)


def ltvfix(src, dst):
    with open(src, "rb") as f:
        r = PdfFileReader(f)
        sig = r.embedded_signatures[-1]
        with open(dst, "wb") as out:
            add_validation_info(sig, context(), output=out)


def doc_timestamp(src, dst, at=None, name="tsa"):
    with open(src, "rb") as f:
        w = IncrementalPdfFileWriter(f, strict=False)
        with open(dst, "wb") as out:
            signers.PdfTimeStamper(stamper(name, at)).timestamp_pdf(
                w, "sha256", validation_context=context(), output=out)


def last_sig_gap(data):
    """The /ByteRange and the /Contents gap of the last signature dictionary."""
    m = list(re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data))[-1]
    return m, [int(x) for x in m.groups()]


def resign(data, who, md="sha256"):
    """Fills the last signature's /Contents with `who`'s CMS over its declared range."""
    import hashlib
    m, (a0, a, b, c) = last_sig_gap(data)
    h = hashlib.new(md)
    h.update(data[:a])
    h.update(data[b:b + c])
    cms = asyncio.run(who.async_sign(h.digest(), md)).dump()
    hexed = cms.hex().upper().encode()
    close = data.index(b">", a)  # the end of the /Contents hex string itself
    room = close - a - 1
    assert len(hexed) <= room
    return data[:a + 1] + hexed + b"0" * (room - len(hexed)) + data[close:]


def widened(src, dst, who):
    """The gap of the last signature widened over the rest of its dictionary, /M
    rewritten inside it, signed again over the narrowed range by a trusted key."""
    data = bytearray(open(src, "rb").read())
    m, (a0, a, b, c) = last_sig_gap(bytes(data))
    end = data.index(b">>", b)
    # the dictionary's /M after /Contents, rewritten to 2020 in the gap
    mm = re.compile(rb"/M \((D(?:\\072|:))(\d{4})").search(bytes(data), b, end)
    assert mm, "no /M after /Contents"
    data[mm.start(2):mm.end(2)] = b"2020"
    new_b = end
    rng = b"/ByteRange [0 %d %d %d" % (a, new_b, len(data) - new_b)
    old = data[m.start():m.end()]
    assert len(rng) < len(old)
    data[m.start():m.end()] = rng + b" " * (len(old) - len(rng) - 1) + b"]"
    out = resign(bytes(data), who)
    open(dst, "wb").write(out)


def duplicate_contents(src, dst, who, victim):
    """A signature dictionary with a second /Contents holding another signer's CMS
    (where its long /Reason was), signed again."""
    data = open(src, "rb").read()
    victim_hex = extract_first_cms(victim)
    m = re.search(rb"/Reason \((R+)\)", data)
    old = m.group(0)
    fake = b"/Contents <" + victim_hex + b">"
    assert len(fake) <= len(old)
    data = data[:m.start()] + fake + b" " * (len(old) - len(fake)) + data[m.end():]
    open(dst, "wb").write(resign(data, who))


def extract_first_cms(path):
    data = open(path, "rb").read()
    m = re.search(rb"/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)", data)
    a, b = int(m.group(1)), int(m.group(2))
    return data[a + 1:b - 1].rstrip(b"0")


def make(out, plain, vanthu):
    os.makedirs(out, exist_ok=True)
    p = lambda n: os.path.join(out, n + ".pdf")
    good, other = signer("good"), signer("other")
    cases = {}

    def case(name, expected, note):
        cases[name] = {"file": p(name), "note": note}

    # Algorithms.
    for md in ("sha256", "sha384", "sha512"):
        sign(plain, p("rsa-" + md), good, "Sig1", md=md)
        case("rsa-" + md, "valid", "RSA PKCS#1 v1.5")
        sign(plain, p("pss-" + md), signer("good", pss=True), "Sig1", md=md)
        case("pss-" + md, "valid", "RSASSA-PSS")
    for curve, mds in (("p256", ("sha256", "sha512")), ("p384", ("sha256", "sha384")),
                       ("p521", ("sha512",))):
        for md in mds:
            sign(plain, p(f"{curve}-{md}"), signer(curve), "Sig1", md=md)
            case(f"{curve}-{md}", "valid", "ECDSA")
    sign(plain, p("adbe-pkcs7"), good, "Sig1", subfilter=fields.SigSeedSubFilter.ADOBE_PKCS7_DETACHED)
    case("adbe-pkcs7", "valid", "adbe.pkcs7.detached")
    sign(plain, p("rsa-sha1"), good, "Sig1", md="sha1")
    case("rsa-sha1", "invalid", "SHA-1")
    sign(plain, p("rsa-1024"), signer("weak"), "Sig1")
    case("rsa-1024", "invalid", "RSA 1024")

    # Levels.
    sign(plain, p("b-t"), good, "Sig1", timestamper=stamper())
    case("b-t", "valid", "B-T")
    sign(plain, p("b-lta"), good, "Sig1", timestamper=stamper(), embed_validation_info=True,
         use_pades_lta=True, validation_context=context())
    case("b-lta", "valid", "B-LTA by pyHanko")
    sign(plain, p("b-t-not-a-tsa"), good, "Sig1", timestamper=stamper("notsa"))
    case("b-t-not-a-tsa", "invalid", "timestamp by a certificate without timeStamping")

    # vanthu's own file, and what others add to it.
    import shutil
    shutil.copy(vanthu, p("vanthu"))
    case("vanthu", "valid", "vanthu's two signatures")
    sign(vanthu, p("vanthu-countersigned"), other, "Sig3")
    case("vanthu-countersigned", "valid", "a third signature by pyHanko")
    ltvfix(vanthu, p("vanthu-ltvfix"))
    case("vanthu-ltvfix", "valid", "DSS added (pyhanko ltvfix)")
    doc_timestamp(vanthu, p("vanthu-timestamped"))
    case("vanthu-timestamped", "valid", "document timestamp added")
    doc_timestamp(p("vanthu-ltvfix"), p("vanthu-ltvfix-timestamped"))
    case("vanthu-ltvfix-timestamped", "valid", "DSS then document timestamp")

    # Changes after signing.
    data = bytearray(open(vanthu, "rb").read())
    data[len(data) // 3] ^= 1
    open(p("vanthu-byte-changed"), "wb").write(data)
    case("vanthu-byte-changed", "invalid", "one byte changed")
    update(vanthu, p("vanthu-content-replaced"), new_content)
    case("vanthu-content-replaced", "invalid", "page content replaced in an update")
    sign(vanthu, p("shadow"), other, "Sig3", edit=new_content)
    case("shadow", "invalid", "content replaced in the update that adds a trusted signature")
    update(vanthu, p("vanthu-annotated"), add_annotation)
    case("vanthu-annotated", "invalid", "a comment added after signing")
    update(vanthu, p("vanthu-info-changed"), change_info)
    case("vanthu-info-changed", "invalid", "/Info /Title changed")
    update(vanthu, p("vanthu-text-field"), add_text_field)
    case("vanthu-text-field", "invalid", "a new unsigned text field")
    update(vanthu, p("vanthu-page-added"), add_page)
    case("vanthu-page-added", "invalid", "a page added")
    sign(p("vanthu-timestamped"), p("timestamped-then-changed"), other, "Sig4", edit=new_content)
    case("timestamped-then-changed", "invalid", "content replaced after a document timestamp")

    # The byte range.
    sign(plain, p("widened-gap-base"), good, "Sig1")
    widened(p("widened-gap-base"), p("widened-gap"), good)
    os.remove(p("widened-gap-base"))
    case("widened-gap", "invalid", "/ByteRange gap widened over the dictionary, /M rewritten")
    sign(plain, p("duplicate-base"), other, "Sig1", reason="R" * (len(extract_first_cms(vanthu)) + 40))
    duplicate_contents(p("duplicate-base"), p("duplicate-contents"), other, vanthu)
    os.remove(p("duplicate-base"))
    case("duplicate-contents", "invalid", "two /Contents in one signature dictionary")

    # Certificates.
    for name, note in (("expired", "expired"), ("future", "not yet valid"),
                       ("encrypt", "keyEncipherment only"), ("revoked", "revoked in the CRL"),
                       ("critical", "unknown critical extension"), ("dsonly", "digitalSignature only"),
                       ("server", "serverAuth only")):
        sign(plain, p("cert-" + name), signer(name), "Sig1")
        case("cert-" + name, "invalid", note)
    sign(plain, p("cert-issued-by-end-entity"), signer("fake", chain=("good", "int")), "Sig1")
    case("cert-issued-by-end-entity", "invalid", "issued by an end certificate")
    sign(plain, p("cert-ca-key"), signer("int", chain=()), "Sig1")
    case("cert-ca-key", "invalid", "the issuing CA's own key")
    sign(plain, p("cert-path-too-long"), signer("deep", chain=("sub", "int0")), "Sig1")
    case("cert-path-too-long", "invalid", "pathLenConstraint exceeded")
    sign(plain, p("cert-stranger"), signers.SimpleSigner.load(
        pem("stranger.key"), pem("stranger.pem"), ca_chain_files=[pem("stranger-root.pem")]), "Sig1")
    case("cert-stranger", "invalid", "untrusted root")

    # Encryption.
    subprocess.run(["qpdf", "--encrypt", "mo-tep", "chu-tep", "256", "--", plain, p("enc-base")], check=True)
    sign(p("enc-base"), p("encrypted-user-password"), good, "Sig1", password="mo-tep")
    subprocess.run(["qpdf", "--encrypt", "", "chu-tep", "256", "--", plain, p("enc-base2")], check=True)
    sign(p("enc-base2"), p("encrypted-owner-only"), good, "Sig1", password="")
    os.remove(p("enc-base"))
    os.remove(p("enc-base2"))
    case("encrypted-user-password", "invalid", "encrypted with a password to open")
    case("encrypted-owner-only", "valid", "encrypted, no password to open")

    # A field signed later, into an empty signature field made before.
    with open(plain, "rb") as f:
        w = IncrementalPdfFileWriter(f, strict=False)
        fields.append_signature_field(w, fields.SigFieldSpec("Trong", box=(300, 50, 500, 100)))
        with open(p("empty-field-base"), "wb") as written:
            w.write(written)
    sign(p("empty-field-base"), p("empty-field-1"), good, "Sig1")
    sign(p("empty-field-1"), p("empty-field-filled"), other, "Trong")
    for n in ("empty-field-base", "empty-field-1"):
        os.remove(p(n))
    case("empty-field-filled", "valid", "an empty signature field filled after the first signature")

    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)


def validate(files):
    vc = lambda: context()
    for path in files:
        result = {"file": path, "readable": True, "signatures": []}
        try:
            with open(path, "rb") as f:
                r = PdfFileReader(f, strict=False)
                if r.encrypted:
                    auth = r.decrypt("")
                    if not auth or auth.status.name == "FAILED":
                        result["readable"] = False
                for sig in r.embedded_signatures if result["readable"] else []:
                    entry = {"kind": sig.sig_object_type}
                    try:
                        if sig.sig_object_type == "/DocTimeStamp":
                            st = validate_pdf_timestamp(sig, validation_context=vc())
                        else:
                            st = validate_pdf_signature(sig, signer_validation_context=vc(),
                                                        ts_validation_context=vc())
                        bottom = getattr(st, "bottom_line", None)
                        if bottom is None:  # a document timestamp's status
                            level = getattr(st, "modification_level", None)
                            bottom = (st.valid and st.intact and st.trusted
                                      and (level is None or level.name != "OTHER"))
                        entry.update({
                            "bottom_line": bool(bottom), "intact": bool(st.intact),
                            "valid": bool(st.valid), "trusted": bool(st.trusted),
                            "revoked": bool(getattr(st, "revoked", False)),
                            "modification": str(getattr(st, "modification_level", None)),
                            "coverage": str(getattr(st, "coverage", None)),
                        })
                    except Exception as e:  # a verdict too: pyHanko refused it
                        entry.update({"bottom_line": False, "error": f"{type(e).__name__}: {e}"})
                    result["signatures"].append(entry)
        except Exception as e:
            result["readable"] = False
            result["error"] = f"{type(e).__name__}: {e}"
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    PKI = os.path.abspath(sys.argv[2])
    if sys.argv[1] == "make":
        make(sys.argv[3], sys.argv[4], sys.argv[5])
    else:
        validate(sys.argv[3:])
