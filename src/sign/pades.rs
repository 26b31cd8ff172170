//! A PAdES baseline B-B signature (`/SubFilter /ETSI.CAdES.detached`) added to a PDF in
//! its own incremental update.
//!
//! The update appends, after the file's last `%%EOF`:
//! - the signature dictionary, with `/Contents` reserved as zeros and a fixed-width
//!   `/ByteRange` placeholder;
//! - an invisible signature field (a widget with a zero rectangle, which PDF/A-2
//!   exempts from an appearance stream; print flag set, as PDF/A asks);
//! - the first page again, its `/Annots` holding the new widget, and the catalog again,
//!   its `/AcroForm` listing the field (`/SigFlags 3`);
//! - a classic cross-reference section for those objects and a trailer whose `/Prev`
//!   points at the previous one.
//!
//! Then the byte range (everything but the `/Contents` hex string) is hashed with
//! SHA-256, the CMS signature of that digest is made ([`super::cms`]) and written into
//! the reserved space. Nothing before the update changes, so every earlier signature
//! stays valid, and the file stays PDF/A-2b.

use std::io::Write;

use lopdf::{Dictionary, Object, ObjectId};
use sha2::{Digest, Sha256};

use super::{Record, Role, SignError, Signer, serial_hex, subject, vietnam_time};

/// Bytes reserved for the CMS signature (hex-encoded twice as many in the file), and
/// for one that carries a timestamp token (with the authority's certificates).
pub const RESERVED: usize = 8192;
pub const RESERVED_WITH_TIMESTAMP: usize = 24576;

/// What a signature says about itself besides the key.
pub struct Request<'a> {
    pub role: Role,
    /// The reason shown by readers, e.g. "Ký ban hành văn bản 12/KH-UBND".
    pub reason: &'a str,
    /// Where it was signed (the document's place).
    pub location: &'a str,
    pub at: chrono::DateTime<chrono::Utc>,
    /// The time-stamping authority, for PAdES B-T.
    pub tsa: Option<&'a super::tsa::TsaSetting>,
}

/// Signs `pdf` with `signer`: returns the file with one more incremental update and the
/// register's record of the signature. Each signature made is counted, with its time,
/// in [`crate::metrics::PROCESS`].
pub fn sign(
    pdf: &[u8],
    signer: &dyn Signer,
    request: &Request,
) -> Result<(Vec<u8>, Record), SignError> {
    let started = std::time::Instant::now();
    let signed = sign_once(pdf, signer, request);
    if signed.is_ok() {
        crate::metrics::PROCESS.signed(started.elapsed());
    }
    signed
}

fn sign_once(
    pdf: &[u8],
    signer: &dyn Signer,
    request: &Request,
) -> Result<(Vec<u8>, Record), SignError> {
    let cert = signer.certificate();
    let who = subject(cert);
    let common_name = common_name(cert).unwrap_or_else(|| who.clone());
    let at = request.at;
    let vn = crate::vietnam_offset();
    let m = at
        .with_timezone(&vn)
        .format("D:%Y%m%d%H%M%S+07'00'")
        .to_string();
    let reserved = if request.tsa.is_some() {
        RESERVED_WITH_TIMESTAMP
    } else {
        RESERVED
    };
    let dict = |range: &str, zeros: &str| {
        format!(
            "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange {range} /Contents <{zeros}> /M ({m}) /Name {} /Reason {} /Location {} >>",
            text_string(&common_name),
            text_string(request.reason),
            text_string(request.location),
        )
    };
    let out = add_field(pdf, "Signature", reserved, &dict, |digest| {
        super::cms::signed_data(signer, digest, request.reason, request.tsa)
    })?;
    let record = Record {
        role: request.role,
        subject: who,
        serial: serial_hex(cert),
        signed_at: vietnam_time(at),
    };
    Ok((out, record))
}

/// Adds a document timestamp (PAdES B-LTA, ETSI.RFC3161) from the authority of `tsa`
/// over the whole of `pdf`, in an incremental update of its own.
pub fn document_timestamp(pdf: &[u8], tsa: &super::tsa::TsaSetting) -> Result<Vec<u8>, SignError> {
    let dict = |range: &str, zeros: &str| {
        format!(
            "<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 /ByteRange {range} /Contents <{zeros}> >>"
        )
    };
    add_field(pdf, "DocTimeStamp", RESERVED_TIMESTAMP, &dict, |digest| {
        Ok(super::tsa::stamp_hash(tsa, digest.to_vec())?.der)
    })
}

/// Bytes reserved for a document timestamp's token.
pub const RESERVED_TIMESTAMP: usize = 16384;

/// Adds an invisible signature field on the first page whose value is the dictionary
/// `dict(byte range placeholder, zeros)`, then fills its `/Contents` with
/// `contents(SHA-256 of the byte range)`.
fn add_field(
    pdf: &[u8],
    field_prefix: &str,
    reserved: usize,
    dict: &dyn Fn(&str, &str) -> String,
    contents: impl FnOnce(&[u8]) -> Result<Vec<u8>, SignError>,
) -> Result<Vec<u8>, SignError> {
    let pdf_error = |m: &str| SignError::Pdf(m.to_string());
    let base = Base::of(pdf)?;
    let doc = &base.doc;
    let page_id = *doc
        .get_pages()
        .get(&1)
        .ok_or_else(|| pdf_error("tệp không có trang nào"))?;
    let mut catalog = base.catalog.clone();
    let mut page = doc
        .get_dictionary(page_id)
        .map_err(|e| SignError::Pdf(e.to_string()))?
        .clone();

    let sig_id: ObjectId = (base.size, 0);
    let field_id: ObjectId = (base.size + 1, 0);
    let mut objects: Vec<(ObjectId, Vec<u8>)> = vec![];

    // The AcroForm: inline in the catalog, or its own object (files signed elsewhere).
    let mut acroform_id: Option<ObjectId> = None;
    let mut form = match catalog.get(b"AcroForm") {
        Ok(Object::Reference(id)) => {
            let d = doc
                .get_dictionary(*id)
                .map_err(|e| SignError::Pdf(e.to_string()))?
                .clone();
            acroform_id = Some(*id);
            d
        }
        Ok(Object::Dictionary(d)) => d.clone(),
        _ => Dictionary::new(),
    };
    let mut fields = array_at(doc, &form, b"Fields");
    let fields_count = fields.len();
    fields.push(Object::Reference(field_id));
    form.set("Fields", Object::Array(fields));
    form.set("SigFlags", Object::Integer(3));
    match acroform_id {
        Some(id) => objects.push((id, serialize(&Object::Dictionary(form))?)),
        None => catalog.set("AcroForm", Object::Dictionary(form)),
    }

    let mut annots = array_at(doc, &page, b"Annots");
    annots.push(Object::Reference(field_id));
    page.set("Annots", Object::Array(annots));

    let placeholder_range = format!("[0 {0} {0} {0}]", "0".repeat(10));
    let zeros = "0".repeat(reserved * 2);
    let field_name = format!("{field_prefix}{}", fields_count + 1);
    let field = format!(
        "<< /Type /Annot /Subtype /Widget /FT /Sig /T ({field_name}) /V {} 0 R /Rect [0 0 0 0] /F 132 /P {} {} R >>",
        sig_id.0, page_id.0, page_id.1
    );
    objects.push((sig_id, dict(&placeholder_range, &zeros).into_bytes()));
    objects.push((field_id, field.into_bytes()));
    objects.push((page_id, serialize(&Object::Dictionary(page))?));
    objects.push((base.root, serialize(&Object::Dictionary(catalog))?));
    let (mut out, offsets) = base.append(pdf, objects, base.size + 2)?;

    // Fill the byte range, hash it, make the contents, write them in.
    let sig_at = offsets
        .iter()
        .find(|(id, _)| *id == sig_id)
        .map(|(_, at)| *at)
        .expect("the signature object was written");
    let range_at = find(&out[sig_at..], placeholder_range.as_bytes())
        .map(|p| sig_at + p)
        .ok_or_else(|| pdf_error("không thấy /ByteRange"))?;
    let contents_at = find(&out[sig_at..], b"/Contents <")
        .map(|p| sig_at + p + b"/Contents ".len())
        .ok_or_else(|| pdf_error("không thấy /Contents"))?;
    let contents_end = contents_at + reserved * 2 + 2;
    let tail = out.len() - contents_end;
    let mut range = format!("[0 {contents_at} {contents_end} {tail}]");
    while range.len() < placeholder_range.len() {
        range.push(' ');
    }
    out[range_at..range_at + range.len()].copy_from_slice(range.as_bytes());
    let mut hasher = Sha256::new();
    hasher.update(&out[..contents_at]);
    hasher.update(&out[contents_end..]);
    let digest = hasher.finalize();
    let value = contents(&digest)?;
    if value.len() > reserved {
        return Err(SignError::Crypto(format!(
            "chữ ký dài {} byte, quá chỗ dành sẵn {reserved} byte",
            value.len()
        )));
    }
    let hex: String = value.iter().map(|b| format!("{b:02X}")).collect();
    out[contents_at + 1..contents_at + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(out)
}

/// Where each object of an update starts in the file.
pub(crate) type Offsets = Vec<(ObjectId, usize)>;

/// A PDF read for an incremental update: its objects, catalog, size and the offset of
/// its last cross-reference section (a classic table: vanthu's own files).
pub(crate) struct Base {
    pub doc: lopdf::Document,
    pub root: ObjectId,
    pub catalog: Dictionary,
    pub size: u32,
    prev: usize,
}

impl Base {
    pub(crate) fn of(pdf: &[u8]) -> Result<Base, SignError> {
        let pdf_error = |m: &str| SignError::Pdf(m.to_string());
        let doc = lopdf::Document::load_mem(pdf).map_err(|e| SignError::Pdf(e.to_string()))?;
        let prev = last_startxref(pdf).ok_or_else(|| pdf_error("không thấy startxref"))?;
        if !pdf[prev..].starts_with(b"xref") {
            return Err(pdf_error(
                "tệp dùng bảng tham chiếu dạng luồng; chỉ ký được tệp PDF do vanthu xuất",
            ));
        }
        let root = doc
            .trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .map_err(|_| pdf_error("thiếu /Root"))?;
        let size = doc
            .trailer
            .get(b"Size")
            .and_then(Object::as_i64)
            .map_err(|_| pdf_error("thiếu /Size"))? as u32;
        let catalog = doc
            .get_dictionary(root)
            .map_err(|e| SignError::Pdf(e.to_string()))?
            .clone();
        Ok(Base {
            doc,
            root,
            catalog,
            size,
            prev,
        })
    }

    /// `pdf` with `objects` appended as one incremental update (a classic
    /// cross-reference section, a trailer whose `/Prev` points at the previous one);
    /// returns it and where each object starts.
    pub(crate) fn append(
        &self,
        pdf: &[u8],
        mut objects: Vec<(ObjectId, Vec<u8>)>,
        new_size: u32,
    ) -> Result<(Vec<u8>, Offsets), SignError> {
        objects.sort_by_key(|(id, _)| *id);
        let mut out = Vec::with_capacity(
            pdf.len() + objects.iter().map(|o| o.1.len() + 32).sum::<usize>() + 512,
        );
        out.extend_from_slice(pdf);
        if !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        let mut offsets = vec![];
        for (id, body) in &objects {
            offsets.push((*id, out.len()));
            writeln!(out, "{} {} obj", id.0, id.1).expect("vec write");
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref_at = out.len();
        out.extend_from_slice(b"xref\n");
        // Subsections of consecutive object numbers.
        let mut i = 0;
        while i < offsets.len() {
            let mut j = i + 1;
            while j < offsets.len() && offsets[j].0.0 == offsets[j - 1].0.0 + 1 {
                j += 1;
            }
            writeln!(out, "{} {}", offsets[i].0.0, j - i).expect("vec write");
            for (id, at) in &offsets[i..j] {
                write!(out, "{:010} {:05} n\r\n", at, id.1).expect("vec write");
            }
            i = j;
        }
        let mut trailer = Dictionary::new();
        trailer.set("Size", Object::Integer(new_size as i64));
        trailer.set("Root", Object::Reference(self.root));
        for key in [&b"Info"[..], b"ID"] {
            if let Ok(v) = self.doc.trailer.get(key) {
                trailer.set(key, v.clone());
            }
        }
        trailer.set("Prev", Object::Integer(self.prev as i64));
        out.extend_from_slice(b"trailer\n");
        out.extend_from_slice(&serialize(&Object::Dictionary(trailer))?);
        write!(out, "\nstartxref\n{xref_at}\n%%EOF\n").expect("vec write");
        Ok((out, offsets))
    }
}

/// The array under `key` in `dict`, written inline or as a reference (empty when absent).
pub(crate) fn array_at(doc: &lopdf::Document, dict: &Dictionary, key: &[u8]) -> Vec<Object> {
    match dict.get(key) {
        Ok(Object::Array(a)) => a.clone(),
        Ok(Object::Reference(id)) => doc
            .get_object(*id)
            .and_then(Object::as_array)
            .cloned()
            .unwrap_or_default(),
        _ => vec![],
    }
}

pub(crate) fn serialize(object: &Object) -> Result<Vec<u8>, SignError> {
    let mut out = vec![];
    lopdf::Writer::write_object(&mut out, object).map_err(|e| SignError::Pdf(e.to_string()))?;
    Ok(out)
}

/// A PDF text string: ASCII as a literal, anything else as UTF-16BE with its mark.
fn text_string(s: &str) -> String {
    if s.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && !matches!(b, b'(' | b')' | b'\\'))
    {
        format!("({s})")
    } else {
        let mut hex = String::from("<FEFF");
        for unit in s.encode_utf16() {
            hex.push_str(&format!("{unit:04X}"));
        }
        hex.push('>');
        hex
    }
}

/// The offset the file's last `startxref` points at.
pub(crate) fn last_startxref(pdf: &[u8]) -> Option<usize> {
    let tail_from = pdf.len().saturating_sub(1024);
    let tail = &pdf[tail_from..];
    let at = rfind(tail, b"startxref")?;
    let rest = &tail[at + b"startxref".len()..];
    let digits: String = rest
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .map(|b| *b as char)
        .collect();
    digits.parse().ok().filter(|&n: &usize| n < pdf.len())
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// The certificate's common name, for the signature's `/Name`.
pub(crate) fn common_name(cert: &x509_cert::Certificate) -> Option<String> {
    const CN: x509_cert::der::oid::ObjectIdentifier =
        x509_cert::der::oid::ObjectIdentifier::new_unwrap("2.5.4.3");
    for atv in cert.tbs_certificate().subject().iter() {
        if atv.oid == CN {
            let v = &atv.value;
            return std::str::from_utf8(v.value()).ok().map(str::to_string);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_strings_are_literal_for_ascii_and_utf16_otherwise() {
        assert_eq!(text_string("Hoa Binh"), "(Hoa Binh)");
        // Parentheses and backslashes would need escapes: hex is simpler.
        assert_eq!(text_string("a(b)"), "<FEFF0061002800620029>");
        assert_eq!(text_string("Hòa"), "<FEFF004800F20061>");
    }

    #[test]
    fn startxref_is_read_from_the_tail() {
        let pdf = b"%PDF-1.7\nxref\n0 1\ntrailer\n<<>>\nstartxref\n9\n%%EOF\n";
        assert_eq!(last_startxref(pdf), Some(9));
        assert_eq!(last_startxref(b"%PDF-1.7 no xref"), None);
        // An offset past the end of the file is no offset.
        assert_eq!(last_startxref(b"startxref\n99999\n%%EOF"), None);
    }
}
