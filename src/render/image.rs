//! The images of an electronic document's signatures (Phụ lục I ô 7c and 8): a signer's
//! handwritten signature and an agency's seal, each a PNG with a transparent background,
//! and the seal's real diameter. A [`Png`] or [`SealDiameter`] that exists is usable.

/// The largest image accepted, in bytes and in pixels on either side.
pub const MAX_BYTES: usize = 1024 * 1024;
pub const MAX_PIXELS: u32 = 3000;
/// The seal diameters accepted, in millimetres (round seals are 35–42 mm across).
pub const SEAL_MM: std::ops::RangeInclusive<f64> = 20.0..=60.0;

/// Why an image was refused. The messages are for an administrator.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImageError {
    #[error("tệp ảnh lớn {kb} KB, quá giới hạn 1 MB")]
    TooLarge { kb: usize },
    #[error("tệp không phải ảnh PNG")]
    NotPng,
    #[error("ảnh PNG hỏng: {0}")]
    Broken(&'static str),
    #[error("ảnh {width}×{height} điểm ảnh, quá giới hạn 3000 điểm ảnh mỗi chiều")]
    TooManyPixels { width: u32, height: u32 },
    #[error(
        "ảnh PNG không có nền trong suốt (cần kênh alpha); hãy xuất lại ảnh với nền trong suốt"
    )]
    NoAlpha,
    #[error("đường kính con dấu {0} mm không hợp lý: cần từ 20 đến 60 mm")]
    Diameter(String),
}

/// Decodes every row of the image, one row in memory at a time: a file whose chunks are
/// well formed but whose pixel data is not (junk or a short IDAT) is refused here, not
/// at the first signed issue.
fn decode_fully(bytes: &[u8]) -> Result<(), ImageError> {
    let broken = |_| ImageError::Broken("dữ liệu điểm ảnh không giải mã được");
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .map_err(broken)?;
    while reader.next_row().map_err(broken)?.is_some() {}
    reader.finish().map_err(broken)
}

/// A PNG image with a transparent background, within the size limits.
#[derive(Clone, PartialEq)]
pub struct Png {
    bytes: Vec<u8>,
    width: u32,
    height: u32,
}

impl std::fmt::Debug for Png {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Png({}×{}, {} bytes)",
            self.width,
            self.height,
            self.bytes.len()
        )
    }
}

const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

impl Png {
    /// Checks the file: the PNG signature, a well-formed chunk sequence from IHDR to
    /// IEND, at most [`MAX_BYTES`] and [`MAX_PIXELS`], and an alpha channel (colour type
    /// 4 or 6, or a `tRNS` chunk).
    pub fn parse(bytes: Vec<u8>) -> Result<Png, ImageError> {
        if bytes.len() > MAX_BYTES {
            return Err(ImageError::TooLarge {
                kb: bytes.len() / 1024,
            });
        }
        if !bytes.starts_with(SIGNATURE) {
            return Err(ImageError::NotPng);
        }
        let mut at = SIGNATURE.len();
        let mut header: Option<(u32, u32, u8)> = None;
        let mut transparent_chunk = false;
        let mut ended = false;
        while at + 12 <= bytes.len() {
            let len = u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
            let kind = &bytes[at + 4..at + 8];
            let data_at = at + 8;
            let Some(next) = data_at.checked_add(len).and_then(|e| e.checked_add(4)) else {
                return Err(ImageError::Broken("độ dài khối sai"));
            };
            if next > bytes.len() {
                return Err(ImageError::Broken("tệp bị cắt cụt"));
            }
            match kind {
                b"IHDR" if header.is_none() && len == 13 => {
                    let d = &bytes[data_at..data_at + 13];
                    let width = u32::from_be_bytes(d[0..4].try_into().expect("4 bytes"));
                    let height = u32::from_be_bytes(d[4..8].try_into().expect("4 bytes"));
                    header = Some((width, height, d[9]));
                }
                _ if header.is_none() => return Err(ImageError::Broken("thiếu khối IHDR")),
                b"tRNS" => transparent_chunk = true,
                b"IEND" => {
                    ended = true;
                    break;
                }
                _ => {}
            }
            at = next;
        }
        let Some((width, height, colour)) = header else {
            return Err(ImageError::Broken("thiếu khối IHDR"));
        };
        if !ended {
            return Err(ImageError::Broken("thiếu khối IEND"));
        }
        if width == 0 || height == 0 {
            return Err(ImageError::Broken("ảnh không có điểm ảnh nào"));
        }
        if width > MAX_PIXELS || height > MAX_PIXELS {
            return Err(ImageError::TooManyPixels { width, height });
        }
        if !(colour == 4 || colour == 6 || transparent_chunk) {
            return Err(ImageError::NoAlpha);
        }
        decode_fully(&bytes)?;
        Ok(Png {
            bytes,
            width,
            height,
        })
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Takes the bytes back (to store them).
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }
}

/// A seal's real diameter in millimetres, within [`SEAL_MM`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SealDiameter(f64);

impl SealDiameter {
    pub fn parse(mm: f64) -> Result<SealDiameter, ImageError> {
        if mm.is_finite() && SEAL_MM.contains(&mm) {
            Ok(SealDiameter(mm))
        } else {
            Err(ImageError::Diameter(format!("{mm}")))
        }
    }

    pub fn mm(self) -> f64 {
        self.0
    }
}

/// An agency's seal: its image and its real size.
#[derive(Debug, Clone, PartialEq)]
pub struct Seal {
    pub image: Png,
    pub diameter: SealDiameter,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 10×5 image of `colour` type (4 or 6: with alpha; 2: RGB), encoded for real,
    /// with `extra` chunks written before its pixel data.
    fn png(colour: u8, extra: &[u8]) -> Vec<u8> {
        let colour_type = match colour {
            2 => png::ColorType::Rgb,
            4 => png::ColorType::GrayscaleAlpha,
            _ => png::ColorType::Rgba,
        };
        let channels = match colour {
            2 => 3,
            4 => 2,
            _ => 4,
        };
        let mut out = vec![];
        {
            let mut e = png::Encoder::new(&mut out, 10, 5);
            e.set_color(colour_type);
            let mut w = e.write_header().unwrap();
            w.write_image_data(&vec![128u8; 10 * 5 * channels]).unwrap();
        }
        // `extra` goes after IHDR (8 + 25 bytes).
        let mut b = out[..33].to_vec();
        b.extend_from_slice(extra);
        b.extend_from_slice(&out[33..]);
        b
    }

    /// A chunk with its CRC.
    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        let mut crc_input = kind.to_vec();
        crc_input.extend_from_slice(data);
        c.extend_from_slice(&crc32(&crc_input).to_be_bytes());
        c
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in data {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn alpha_is_required() {
        assert!(Png::parse(png(6, &[])).is_ok());
        assert!(Png::parse(png(4, &[])).is_ok());
        assert_eq!(Png::parse(png(2, &[])), Err(ImageError::NoAlpha));
        let trns = chunk(b"tRNS", &[0, 0, 0, 0, 0, 0]);
        assert!(Png::parse(png(2, &trns)).is_ok());
        assert_eq!(Png::parse(b"GIF89a".to_vec()), Err(ImageError::NotPng));
        let mut cut = png(6, &[]);
        cut.truncate(30);
        assert!(matches!(Png::parse(cut), Err(ImageError::Broken(_))));
    }

    #[test]
    fn pixel_data_that_does_not_decode_is_refused() {
        let good = png(6, &[]);
        let header = &good[..33];
        let iend = chunk(b"IEND", &[]);
        // A valid IHDR, then junk or too little pixel data, then IEND.
        for idat in [
            chunk(b"IDAT", b"this is not zlib data at all"),
            chunk(b"IDAT", &[0x78, 0x9c, 0x63, 0x00]),
            chunk(b"IDAT", &[]),
        ] {
            let mut b = header.to_vec();
            b.extend(idat);
            b.extend_from_slice(&iend);
            assert_eq!(
                Png::parse(b),
                Err(ImageError::Broken("dữ liệu điểm ảnh không giải mã được"))
            );
        }
        // No IDAT at all.
        let mut b = header.to_vec();
        b.extend_from_slice(&iend);
        assert!(matches!(Png::parse(b), Err(ImageError::Broken(_))));
    }

    #[test]
    fn large_files_and_images_are_refused() {
        let big = vec![0u8; MAX_BYTES + 1];
        assert_eq!(Png::parse(big), Err(ImageError::TooLarge { kb: 1024 }));
        let mut wide = png(6, &[]);
        // IHDR width at bytes 16..20.
        wide[16..20].copy_from_slice(&3001u32.to_be_bytes());
        assert_eq!(
            Png::parse(wide),
            Err(ImageError::TooManyPixels {
                width: 3001,
                height: 5
            })
        );
    }

    #[test]
    fn diameters_outside_the_range_are_refused() {
        assert!(SealDiameter::parse(38.0).is_ok());
        for mm in [0.0, -4.0, 19.9, 60.5, f64::NAN, f64::INFINITY] {
            assert!(SealDiameter::parse(mm).is_err(), "{mm}");
        }
    }
}
