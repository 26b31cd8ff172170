//! The two key types vanthu signs with (RSA and ECDSA P-256, both over SHA-256), read
//! off a certificate, and the check that a signature value made elsewhere (a token, a
//! remote service) really is the certificate's signature over the signed attributes.

use x509_cert::Certificate;
use x509_cert::der::oid::ObjectIdentifier;
use x509_cert::spki::AlgorithmIdentifierOwned;

use super::keys::{ECDSA_WITH_SHA256, SHA256_WITH_RSA};

/// rsaEncryption (RFC 8017).
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// id-ecPublicKey (RFC 5480).
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// secp256r1 (RFC 5480).
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

/// The kind of a certificate's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Rsa,
    EcdsaP256,
}

impl KeyKind {
    /// The kind of `cert`'s public key, or `None` for one vanthu does not sign with.
    pub fn of(cert: &Certificate) -> Option<KeyKind> {
        let spki = cert.tbs_certificate().subject_public_key_info();
        if spki.algorithm.oid == RSA_ENCRYPTION {
            return Some(KeyKind::Rsa);
        }
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        (spki.algorithm.oid == EC_PUBLIC_KEY && curve == Some(P256)).then_some(KeyKind::EcdsaP256)
    }

    /// The signature algorithm as CMS names it.
    pub fn identifier(self) -> AlgorithmIdentifierOwned {
        match self {
            KeyKind::Rsa => AlgorithmIdentifierOwned {
                oid: SHA256_WITH_RSA,
                parameters: Some(x509_cert::der::asn1::Null.into()),
            },
            KeyKind::EcdsaP256 => AlgorithmIdentifierOwned {
                oid: ECDSA_WITH_SHA256,
                parameters: None,
            },
        }
    }
}

/// Whether `signature` (PKCS#1 v1.5, or ECDSA in DER) is `cert`'s key's signature over
/// `data` with SHA-256.
pub fn verifies(cert: &Certificate, data: &[u8], signature: &[u8]) -> bool {
    use ring::signature::{ECDSA_P256_SHA256_ASN1, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
    let public = cert
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes();
    match KeyKind::of(cert) {
        Some(KeyKind::Rsa) => UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public)
            .verify(data, signature)
            .is_ok(),
        Some(KeyKind::EcdsaP256) => UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, public)
            .verify(data, signature)
            .is_ok(),
        None => false,
    }
}

/// An ECDSA signature as PKCS#11 returns it (r ‖ s, each the curve's size) in the DER
/// `Ecdsa-Sig-Value` CMS carries (RFC 5753); `None` when the length is odd.
pub fn ecdsa_der(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.is_empty() || !raw.len().is_multiple_of(2) {
        return None;
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let integer = |v: &[u8]| {
        let v = match v.iter().position(|&b| b != 0) {
            Some(i) => &v[i..],
            None => &[0u8][..],
        };
        let mut out = vec![0x02];
        let pad = v[0] & 0x80 != 0;
        out.push((v.len() + pad as usize) as u8);
        if pad {
            out.push(0);
        }
        out.extend_from_slice(v);
        out
    };
    let body = [integer(r), integer(s)].concat();
    // P-256: at most 2 × 35 bytes, so the length fits in one byte.
    let mut out = vec![0x30, body.len() as u8];
    out.extend(body);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecdsa_der_strips_zeros_and_pads_high_bits() {
        let mut raw = vec![0u8; 64];
        raw[1] = 0x7f; // r = 0x7f followed by zeros: leading zero dropped, no pad
        raw[32] = 0x80; // s has its high bit set: a zero is prepended
        let der = ecdsa_der(&raw).unwrap();
        assert_eq!(&der[..4], &[0x30, der.len() as u8 - 2, 0x02, 31]);
        assert_eq!(der[4], 0x7f);
        let s = &der[4 + 31..];
        assert_eq!(&s[..3], &[0x02, 33, 0x00]);
        assert_eq!(s[3], 0x80);
        assert!(ecdsa_der(&[1, 2, 3]).is_none());
    }
}
