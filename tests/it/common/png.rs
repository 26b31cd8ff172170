//! Small RGBA PNG files for the signing tests and benchmark (stored deflate blocks, no
//! compressor).
#![allow(dead_code)]

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = data.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        out.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + x as u32) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

/// A PNG of `width` × `height`, 8 bits of colour type `colour`, whose IDAT is `idat`.
fn png(width: u32, height: u32, colour: u8, idat: &[u8]) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = vec![];
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, colour, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", idat);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// An RGBA PNG of `width` × `height` whose pixel (x, y) is `pixel(x, y)`.
pub fn rgba(width: u32, height: u32, pixel: impl Fn(u32, u32) -> [u8; 4]) -> Vec<u8> {
    let mut raw = Vec::with_capacity(((width * 4 + 1) * height) as usize);
    for y in 0..height {
        raw.push(0);
        for x in 0..width {
            raw.extend_from_slice(&pixel(x, y));
        }
    }
    png(width, height, 6, &zlib_stored(&raw))
}

/// A blue stroke on a transparent background, like a scanned handwritten signature.
pub fn signature(width: u32, height: u32) -> Vec<u8> {
    rgba(width, height, |x, y| {
        let wave = (height as f64 / 2.0)
            + (height as f64 / 3.0) * ((x as f64) / (width as f64) * 9.0).sin();
        if (y as f64 - wave).abs() < 3.0 {
            [20, 40, 200, 255]
        } else {
            [0, 0, 0, 0]
        }
    })
}

/// A red ring on a transparent background, like a round seal.
pub fn seal(size: u32) -> Vec<u8> {
    rgba(size, size, |x, y| {
        let c = size as f64 / 2.0;
        let r = ((x as f64 - c).powi(2) + (y as f64 - c).powi(2)).sqrt();
        if (r > c * 0.8 && r < c * 0.97) || r < c * 0.1 {
            [220, 20, 20, 255]
        } else {
            [0, 0, 0, 0]
        }
    })
}

/// An RGB PNG with no alpha channel (refused as a seal or signature).
pub fn opaque(width: u32, height: u32) -> Vec<u8> {
    let mut raw = vec![];
    for _ in 0..height {
        raw.push(0);
        raw.extend(std::iter::repeat_n(255u8, (width * 3) as usize));
    }
    png(width, height, 2, &zlib_stored(&raw))
}

/// A PNG with a valid header for `width` × `height` RGBA, whose pixel data is `idat`
/// (junk, or too short): every chunk well formed, the image undecodable.
pub fn undecodable(width: u32, height: u32, idat: &[u8]) -> Vec<u8> {
    png(width, height, 6, idat)
}

/// A stored (uncompressed) zlib stream of `data`, as a PNG's IDAT holds it.
pub fn zlib(data: &[u8]) -> Vec<u8> {
    zlib_stored(data)
}
