//! The CMS `SignedData` of a PAdES baseline signature (ETSI EN 319 142-1, CAdES
//! detached): no content inside, SHA-256, and exactly the signed attributes PAdES B-B
//! asks for: content-type, message-digest and signing-certificate-v2 (the claimed
//! signing time is the signature dictionary's `/M`, as PAdES requires).

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::Sequence;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::attr::{Attribute, AttributeValue};
use x509_cert::der::asn1::{OctetString, SetOfVec};
use x509_cert::der::oid::ObjectIdentifier;
use x509_cert::der::{Any, Decode, Encode, Tag};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;

use super::{SignError, Signer};

pub const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
pub const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
pub const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
pub const ID_MESSAGE_DIGEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
pub const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
pub const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
pub const ID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
pub const ID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

/// ESSCertIDv2 (RFC 5035) with the default hash algorithm, SHA-256.
#[derive(Clone, Debug, Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
    issuer_serial: IssuerSerial,
}

#[derive(Clone, Debug, Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

#[derive(Clone, Debug, Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

fn attribute(oid: ObjectIdentifier, value: AttributeValue) -> Result<Attribute, SignError> {
    let mut values = SetOfVec::new();
    values.insert(value).map_err(der_error)?;
    Ok(Attribute { oid, values })
}

fn der_error(e: x509_cert::der::Error) -> SignError {
    SignError::Crypto(e.to_string())
}

fn sha256_algorithm() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: ID_SHA256,
        parameters: None,
    }
}

pub const ID_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");

/// The DER of a detached CMS `SignedData` (wrapped in its `ContentInfo`) signing the
/// SHA-256 `digest` of a PDF's signed byte ranges with `signer` (`purpose` tells a
/// signer asked to confirm what they sign); with `tsa`, the
/// signature value is timestamped (PAdES B-T), or left without a timestamp when the
/// authority fails and the setting allows it.
pub fn signed_data(
    signer: &dyn Signer,
    digest: &[u8],
    purpose: &str,
    tsa: Option<&super::tsa::TsaSetting>,
) -> Result<Vec<u8>, SignError> {
    let cert = signer.certificate();
    let tbs = cert.tbs_certificate();
    let cert_der = cert.to_der().map_err(der_error)?;
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            cert_hash: OctetString::new(Sha256::digest(&cert_der).to_vec()).map_err(der_error)?,
            issuer_serial: IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(tbs.issuer().clone())],
                serial_number: tbs.serial_number().clone(),
            },
        }],
    };
    let attrs = vec![
        attribute(
            ID_CONTENT_TYPE,
            Any::new(Tag::ObjectIdentifier, ID_DATA.as_bytes()).map_err(der_error)?,
        )?,
        attribute(
            ID_MESSAGE_DIGEST,
            Any::new(Tag::OctetString, digest).map_err(der_error)?,
        )?,
        attribute(
            ID_SIGNING_CERTIFICATE_V2,
            Any::from_der(&ess.to_der().map_err(der_error)?).map_err(der_error)?,
        )?,
    ];
    let signed_attrs = SetOfVec::try_from(attrs).map_err(der_error)?;
    // The signature covers the attributes as a SET OF (RFC 5652 §5.4), not as [0].
    let to_sign = signed_attrs.to_der().map_err(der_error)?;
    let signature = signer.sign(&to_sign, purpose)?;
    let unsigned_attrs = match tsa {
        None => None,
        Some(setting) => match super::tsa::stamp(setting, &signature) {
            Ok(token) => Some(
                SetOfVec::try_from(vec![attribute(
                    ID_SIGNATURE_TIME_STAMP_TOKEN,
                    Any::from_der(&token.der).map_err(der_error)?,
                )?])
                .map_err(der_error)?,
            ),
            Err(e) if setting.fallback => {
                tracing::warn!(error = %e, "no timestamp: signing PAdES B-B as [signing.tsa] fallback allows");
                None
            }
            Err(e) => return Err(e),
        },
    };
    let info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: sha256_algorithm(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: signer.algorithm(),
        signature: OctetString::new(signature).map_err(der_error)?,
        unsigned_attrs,
    };
    let mut certificates = SetOfVec::new();
    for c in std::iter::once(cert).chain(signer.chain()) {
        certificates
            .insert(CertificateChoices::Certificate(c.clone()))
            .map_err(der_error)?;
    }
    let signed = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![sha256_algorithm()]).map_err(der_error)?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet(certificates)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![info]).map_err(der_error)?),
    };
    let content = ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed).map_err(der_error)?,
    };
    content.to_der().map_err(der_error)
}

/// A CMS signature read back: what [`super::verify`] checks.
pub struct Parsed {
    pub signed: SignedData,
}

impl Parsed {
    /// Parses the DER in a signature's `/Contents` (trailing zero padding allowed).
    pub fn from_der(bytes: &[u8]) -> Result<Parsed, String> {
        let content = ContentInfo::from_der(trim_padding(bytes)).map_err(|e| e.to_string())?;
        if content.content_type != ID_SIGNED_DATA {
            return Err("không phải SignedData".into());
        }
        let signed = content
            .content
            .decode_as::<SignedData>()
            .map_err(|e| e.to_string())?;
        Ok(Parsed { signed })
    }

    /// The certificates embedded in the signature.
    pub fn certificates(&self) -> Vec<Certificate> {
        self.signed
            .certificates
            .iter()
            .flat_map(|s| s.0.iter())
            .filter_map(|c| match c {
                CertificateChoices::Certificate(c) => Some(c.clone()),
                _ => None,
            })
            .collect()
    }
}

/// The DER value itself: `/Contents` is zero-padded to its reserved size.
fn trim_padding(bytes: &[u8]) -> &[u8] {
    // A DER SEQUENCE states its own length; read it and cut there.
    if bytes.len() < 2 || bytes[0] != 0x30 {
        return bytes;
    }
    let (len, head) = match bytes[1] {
        n if n < 0x80 => (n as usize, 2),
        n => {
            let count = (n & 0x7f) as usize;
            if count == 0 || count > 4 || bytes.len() < 2 + count {
                return bytes;
            }
            let len = bytes[2..2 + count]
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | *b as usize);
            (len, 2 + count)
        }
    };
    bytes.get(..head + len).unwrap_or(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contents_padding_is_cut_at_the_der_length() {
        // A SEQUENCE of 3 bytes, then the reserved zeros.
        assert_eq!(
            trim_padding(&[0x30, 3, 1, 2, 3, 0, 0, 0]),
            &[0x30, 3, 1, 2, 3]
        );
        // Long form: 0x82 then two length bytes (0x0102 = 258).
        let mut long = vec![0x30, 0x82, 0x01, 0x02];
        long.extend(std::iter::repeat_n(7u8, 258));
        long.extend([0u8; 100]);
        assert_eq!(trim_padding(&long).len(), 4 + 258);
        // Not DER: left as it is, for the parser to refuse.
        assert_eq!(trim_padding(&[1, 2, 3]), &[1, 2, 3]);
        assert!(Parsed::from_der(&[0x30, 3, 1, 2, 3, 0, 0]).is_err());
    }
}
