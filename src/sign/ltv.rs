//! Long-term signatures (PAdES B-LT and B-LTA, ETSI EN 319 142-1 §6.3): after the
//! agency's signature, an incremental update adds a Document Security Store (DSS)
//! holding every certificate of every signature's and timestamp's path and the CRLs
//! (and, when fetching is allowed, OCSP responses) that show none was revoked, with
//! a VRI entry per signature; B-LTA then adds a document timestamp over it all
//! ([`super::pades::document_timestamp`]). Renewing an archive repeats both: new
//! validation data for the last timestamp, then a new timestamp over it.

use std::collections::BTreeMap;

use lopdf::{Dictionary, Object, ObjectId, Stream};
use openssl::hash::MessageDigest;
use openssl::x509::X509;
use x509_cert::der::Encode;

use super::SignError;
use super::cms::Parsed;
use super::keys::Trust;
use super::pades::{Base, array_at, serialize};

/// `pdf` with a DSS update holding the validation data of all its signatures and
/// timestamps (merged with a DSS it already has).
pub fn add_validation_data(pdf: &[u8], trust: &Trust) -> Result<Vec<u8>, SignError> {
    let base = Base::of(pdf)?;
    let doc = &base.doc;
    let roots: Vec<X509> = trust
        .roots
        .iter()
        .filter_map(|c| c.to_der().ok().and_then(|d| X509::from_der(&d).ok()))
        .collect();
    // Every signature value, with the certificates it and its timestamps carry.
    let mut signatures: Vec<(Vec<u8>, Vec<X509>)> = vec![];
    for obj in doc.objects.values() {
        let Ok(d) = obj.as_dict() else { continue };
        let (Ok(_), Ok(contents)) = (
            d.get(b"ByteRange"),
            d.get(b"Contents").and_then(Object::as_str),
        ) else {
            continue;
        };
        let Ok(parsed) = Parsed::from_der(contents) else {
            continue;
        };
        let mut certs = to_openssl(&parsed.certificates());
        for info in parsed.signed.signer_infos.0.iter() {
            for attr in info.unsigned_attrs.iter().flat_map(|a| a.iter()) {
                if attr.oid == super::cms::ID_SIGNATURE_TIME_STAMP_TOKEN
                    && let Some(token) = attr.values.iter().next().and_then(|v| v.to_der().ok())
                    && let Ok(t) = Parsed::from_der(&token)
                {
                    certs.extend(to_openssl(&t.certificates()));
                }
            }
        }
        signatures.push((contents.to_vec(), certs));
    }
    if signatures.is_empty() {
        return Err(SignError::Pdf(
            "tệp không có chữ ký số nào để thêm dữ liệu kiểm tra".into(),
        ));
    }
    // What the DSS holds: each certificate, CRL and OCSP response once.
    let mut store = Store::default();
    let configured = trust.crl_ders();
    let mut vri = BTreeMap::new();
    for (contents, certs) in &signatures {
        let mut pool = certs.clone();
        pool.extend(roots.iter().cloned());
        let mut entry = Entry::default();
        for cert in closure(certs, &pool) {
            entry.certs.push(store.cert(&cert));
            if let Some(issuer) = issuer_of(&cert, &pool)
                && !same(&cert, &issuer)
            {
                let (crls, ocsps) = crate::sign::verify::revocation::gather(
                    &cert,
                    &issuer,
                    &configured,
                    trust.fetch,
                );
                entry.crls.extend(crls.iter().map(|c| store.crl(c)));
                entry.ocsps.extend(ocsps.iter().map(|o| store.ocsp(o)));
            }
        }
        let key: String = openssl::hash::hash(MessageDigest::sha1(), contents)
            .map_err(|e| SignError::Crypto(e.to_string()))?
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        vri.insert(key, entry);
    }
    // The DSS it already has, kept.
    let old = match base.catalog.get(b"DSS") {
        Ok(Object::Reference(id)) => doc.get_dictionary(*id).ok().cloned(),
        Ok(Object::Dictionary(d)) => Some(d.clone()),
        _ => None,
    }
    .unwrap_or_default();
    let mut next = base.size;
    let mut objects: Vec<(ObjectId, Vec<u8>)> = vec![];
    let mut add =
        |bytes: Vec<u8>, objects: &mut Vec<(ObjectId, Vec<u8>)>| -> Result<ObjectId, SignError> {
            let id = (next, 0);
            next += 1;
            objects.push((id, bytes));
            Ok(id)
        };
    let mut refs = |list: &[Vec<u8>],
                    key: &[u8],
                    objects: &mut Vec<(ObjectId, Vec<u8>)>|
     -> Result<(Vec<Object>, Vec<ObjectId>), SignError> {
        let mut all = array_at(doc, &old, key);
        let mut ids = vec![];
        for bytes in list {
            let mut dict = Dictionary::new();
            dict.set("Length", Object::Integer(bytes.len() as i64));
            let id = add(
                serialize(&Object::Stream(Stream::new(dict, bytes.clone())))?,
                objects,
            )?;
            all.push(Object::Reference(id));
            ids.push(id);
        }
        Ok((all, ids))
    };
    let (certs, cert_ids) = refs(&store.certs, b"Certs", &mut objects)?;
    let (crls, crl_ids) = refs(&store.crls, b"CRLs", &mut objects)?;
    let (ocsps, ocsp_ids) = refs(&store.ocsps, b"OCSPs", &mut objects)?;
    let mut vri_dict = match old.get(b"VRI") {
        Ok(Object::Reference(id)) => doc.get_dictionary(*id).ok().cloned().unwrap_or_default(),
        Ok(Object::Dictionary(d)) => d.clone(),
        _ => Dictionary::new(),
    };
    for (key, entry) in vri {
        let pick = |ids: &[ObjectId], idx: &[usize]| -> Object {
            Object::Array(idx.iter().map(|&i| Object::Reference(ids[i])).collect())
        };
        let mut d = Dictionary::new();
        d.set("Cert", pick(&cert_ids, &entry.certs));
        if !entry.crls.is_empty() {
            d.set("CRL", pick(&crl_ids, &entry.crls));
        }
        if !entry.ocsps.is_empty() {
            d.set("OCSP", pick(&ocsp_ids, &entry.ocsps));
        }
        vri_dict.set(key.into_bytes(), Object::Dictionary(d));
    }
    let mut dss = Dictionary::new();
    dss.set("Type", Object::Name(b"DSS".to_vec()));
    dss.set("Certs", Object::Array(certs));
    if !crls.is_empty() {
        dss.set("CRLs", Object::Array(crls));
    }
    if !ocsps.is_empty() {
        dss.set("OCSPs", Object::Array(ocsps));
    }
    dss.set("VRI", Object::Dictionary(vri_dict));
    let dss_id = add(serialize(&Object::Dictionary(dss))?, &mut objects)?;
    let mut catalog = base.catalog.clone();
    catalog.set("DSS", Object::Reference(dss_id));
    // The ESIC extension PAdES asks readers to know about.
    let mut esic = Dictionary::new();
    esic.set("BaseVersion", Object::Name(b"1.7".to_vec()));
    esic.set("ExtensionLevel", Object::Integer(5));
    let mut extensions = match catalog.get(b"Extensions") {
        Ok(Object::Dictionary(d)) => d.clone(),
        _ => Dictionary::new(),
    };
    extensions.set("ESIC", Object::Dictionary(esic));
    catalog.set("Extensions", Object::Dictionary(extensions));
    objects.push((base.root, serialize(&Object::Dictionary(catalog))?));
    let (out, _) = base.append(pdf, objects, next)?;
    Ok(out)
}

/// The validation data of one signature: indexes into [`Store`].
#[derive(Default)]
struct Entry {
    certs: Vec<usize>,
    crls: Vec<usize>,
    ocsps: Vec<usize>,
}

/// Each certificate, CRL and OCSP response once, in DER.
#[derive(Default)]
struct Store {
    certs: Vec<Vec<u8>>,
    crls: Vec<Vec<u8>>,
    ocsps: Vec<Vec<u8>>,
}

impl Store {
    fn cert(&mut self, c: &X509) -> usize {
        once(&mut self.certs, c.to_der().unwrap_or_default())
    }
    fn crl(&mut self, der: &[u8]) -> usize {
        once(&mut self.crls, der.to_vec())
    }
    fn ocsp(&mut self, der: &[u8]) -> usize {
        once(&mut self.ocsps, der.to_vec())
    }
}

fn once(list: &mut Vec<Vec<u8>>, item: Vec<u8>) -> usize {
    match list.iter().position(|x| *x == item) {
        Some(i) => i,
        None => {
            list.push(item);
            list.len() - 1
        }
    }
}

fn to_openssl(certs: &[x509_cert::Certificate]) -> Vec<X509> {
    certs
        .iter()
        .filter_map(|c| c.to_der().ok().and_then(|d| X509::from_der(&d).ok()))
        .collect()
}

fn same(a: &X509, b: &X509) -> bool {
    a.to_der().ok() == b.to_der().ok()
}

/// The certificate of `pool` that issued `cert` (its name and its key).
fn issuer_of(cert: &X509, pool: &[X509]) -> Option<X509> {
    pool.iter()
        .find(|c| {
            c.subject_name()
                .try_cmp(cert.issuer_name())
                .is_ok_and(|o| o.is_eq())
                && c.public_key()
                    .is_ok_and(|k| cert.verify(&k).unwrap_or(false))
        })
        .cloned()
}

/// `certs` and every issuer above them found in `pool`.
fn closure(certs: &[X509], pool: &[X509]) -> Vec<X509> {
    let mut out: Vec<X509> = vec![];
    let mut todo: Vec<X509> = certs.to_vec();
    while let Some(c) = todo.pop() {
        if out.iter().any(|o| same(o, &c)) || out.len() > 64 {
            continue;
        }
        if let Some(issuer) = issuer_of(&c, pool) {
            todo.push(issuer);
        }
        out.push(c);
    }
    out
}
