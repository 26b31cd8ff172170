//! A rasterised page as PNG, fast: the live preview redraws every page the drafter's
//! typing touches, and the default encoder (tiny-skia's RGBA at balanced compression)
//! took eight times the layout and rasterising together. A page of black text on
//! white is stored as 4-bit grey (16 levels of anti-aliasing: the same text to the eye,
//! half the bytes of 8-bit grey to compress, send and decode), anything in colour as
//! 8-bit RGB, both with `png`'s fast DEFLATE (fdeflate) and the adaptive filter. One
//! pass over the pixels both packs the grey page and looks for colour. Pages the
//! typing did not change (the ones before the edited paragraph, a reflowed page that
//! came out the same) are taken from a small cache keyed by the laid-out page's hash.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// An encoded page, shared between the cache and the answers that show it.
pub type Png = Arc<Vec<u8>>;

/// How many encoded pages the cache keeps (about 90 kB each: some 6 MB at most).
pub const CACHED_PAGES: usize = 64;

/// Encoded pages by the hash of what was drawn, least recently used evicted first.
#[derive(Default)]
pub struct PageCache {
    inner: Mutex<Lru>,
}

#[derive(Default)]
struct Lru {
    tick: u64,
    pages: HashMap<u128, (u64, Png)>,
}

impl PageCache {
    /// The PNG stored under `key`, or `encode()`'s, stored (errors are not stored).
    /// The lock is not held while encoding: two renders of one new page may both
    /// encode it, and the second's copy replaces the first's.
    pub fn get_or_encode<E>(
        &self,
        key: u128,
        encode: impl FnOnce() -> Result<Vec<u8>, E>,
    ) -> Result<Png, E> {
        {
            let mut lru = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            lru.tick += 1;
            let tick = lru.tick;
            if let Some((used, png)) = lru.pages.get_mut(&key) {
                *used = tick;
                return Ok(png.clone());
            }
        }
        let png = Arc::new(encode()?);
        let mut lru = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if lru.pages.len() >= CACHED_PAGES {
            let oldest = lru
                .pages
                .iter()
                .min_by_key(|(_, (used, _))| *used)
                .map(|(k, _)| *k);
            if let Some(k) = oldest {
                lru.pages.remove(&k);
            }
        }
        let tick = lru.tick;
        lru.pages.insert(key, (tick, png.clone()));
        Ok(png)
    }

    /// How many pages are stored (the tests' view of the bound).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pages
            .len()
    }
}

/// Encodes premultiplied RGBA pixels (`width × height`, as typst-render draws them)
/// as an opaque PNG over white: 4-bit grey when every pixel is grey, 8-bit RGB
/// otherwise.
pub fn encode(width: u32, height: u32, rgba: &[u8]) -> Result<Vec<u8>, png::EncodingError> {
    debug_assert_eq!(rgba.len(), width as usize * height as usize * 4);
    let (w, h) = (width as usize, height as usize);
    // Premultiplied over white: c + (255 - a). A premultiplied channel is at most its
    // alpha, so a pixel is grey over white exactly when its three channels are equal.
    // One pass packs the page as 4-bit grey, two pixels a byte, and notes any colour
    // (a page in colour is drawn again as RGB).
    let over_white = |c: u8, a: u8| c.saturating_add(255 - a);
    let q: [u8; 256] = std::array::from_fn(|g| ((g * 15 + 127) / 255) as u8);
    let grey = |px: u64| q[over_white(px as u8, (px >> 24) as u8) as usize];
    let word = |eight: &[u8]| u64::from_le_bytes(eight.try_into().expect("8 bytes"));
    let row = w.div_ceil(2);
    let mut packed = vec![0u8; row * h];
    let mut colour = 0u64;
    // Pixel pairs into bytes of two grey levels, noting colour (per pixel, the low
    // byte of `two ^ (two >> 8)` is r ^ g, the next g ^ b).
    let mut pack = |src: &[u8], dst: &mut [u8]| {
        for (pair, d) in src.chunks_exact(8).zip(dst) {
            let two = word(pair);
            colour |= (two ^ (two >> 8)) & 0x0000_ffff_0000_ffff;
            *d = grey(two) << 4 | grey(two >> 32);
        }
    };
    for (src, dst) in rgba.chunks_exact(w * 4).zip(packed.chunks_exact_mut(row)) {
        // Most of a page is white paper: eight white pixels (32 bytes of 0xff) are four
        // bytes of white (0xff: two 15s) without looking at each pixel.
        let blocks = src.chunks_exact(32);
        let rest = blocks.remainder();
        let (dst_blocks, dst_rest) = dst.split_at_mut(blocks.len() * 4);
        for (block, d) in blocks.zip(dst_blocks.chunks_exact_mut(4)) {
            if block.chunks_exact(8).fold(u64::MAX, |all, p| all & word(p)) == u64::MAX {
                d.fill(0xff);
            } else {
                pack(block, d);
            }
        }
        pack(rest, dst_rest);
        // An odd width: the last pixel is packed beside a white one.
        if let (&[r, g, b, a], Some(last)) = (rest.chunks_exact(8).remainder(), dst_rest.last_mut())
        {
            pack(
                &[r, g, b, a, 255, 255, 255, 255],
                std::slice::from_mut(last),
            );
        }
    }
    let (color, depth, data) = if colour == 0 {
        (png::ColorType::Grayscale, png::BitDepth::Four, packed)
    } else {
        let data = rgba
            .chunks_exact(4)
            .flat_map(|px| [0, 1, 2].map(|c| over_white(px[c], px[3])))
            .collect();
        (png::ColorType::Rgb, png::BitDepth::Eight, data)
    };
    let mut out = Vec::with_capacity(data.len() / 8);
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(color);
    encoder.set_depth(depth);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&data)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(png: &[u8]) -> (png::ColorType, png::BitDepth, u32, u32, Vec<u8>) {
        // Expanded to 8 bits a sample, as a browser shows it.
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (
            info.color_type,
            reader.info().bit_depth,
            info.width,
            info.height,
            buf,
        )
    }

    #[test]
    fn the_cache_encodes_a_page_once_and_stays_bounded() {
        let cache = PageCache::default();
        let mut encoded = 0;
        for round in 0..2 {
            for key in 0..CACHED_PAGES as u128 {
                let png = cache
                    .get_or_encode(key, || {
                        encoded += 1;
                        Ok::<_, ()>(vec![key as u8])
                    })
                    .unwrap();
                assert_eq!(*png, vec![key as u8], "round {round}");
            }
        }
        assert_eq!(encoded, CACHED_PAGES);
        // One more page evicts the least recently used (key 0), not the newest.
        cache.get_or_encode(1000, || Ok::<_, ()>(vec![])).unwrap();
        assert_eq!(cache.len(), CACHED_PAGES);
        let mut again = vec![];
        for key in [CACHED_PAGES as u128 - 1, 0] {
            cache
                .get_or_encode(key, || {
                    again.push(key);
                    Ok::<_, ()>(vec![])
                })
                .unwrap();
        }
        assert_eq!(again, [0]);
        // A failed encoding stores nothing.
        assert!(cache.get_or_encode(2000, || Err(())).is_err());
        assert!(cache.get_or_encode(2000, || Ok::<_, ()>(vec![7])).unwrap()[0] == 7);
    }

    #[test]
    fn grey_pages_are_4_bit_grey_and_colour_stays() {
        // 3 × 2 (an odd width: the last pixel of a row is packed alone), premultiplied:
        // white, half-covered black (0,0,0,128: grey 127), black; black, white, a
        // quarter-covered black (0,0,0,64: grey 191).
        let white = [255, 255, 255, 255];
        let black = [0, 0, 0, 255];
        let pixels: Vec<u8> = [white, [0, 0, 0, 128], black, black, white, [0, 0, 0, 64]].concat();
        let (c, depth, w, h, px) = decode(&encode(3, 2, &pixels).unwrap());
        assert_eq!(
            (c, depth, w, h),
            (png::ColorType::Grayscale, png::BitDepth::Four, 3, 2)
        );
        // 16 levels: 127 → 7 × 17 = 119, 191 → 11 × 17 = 187 (each within half a level).
        assert_eq!(px, [255, 119, 0, 0, 255, 187]);
        // A red seal pixel, even the last of an odd row, keeps the page in colour.
        let (c, depth, _, _, px) =
            decode(&encode(3, 1, &[white, white, [200, 0, 0, 255]].concat()).unwrap());
        assert_eq!((c, depth), (png::ColorType::Rgb, png::BitDepth::Eight));
        assert_eq!(px, [255, 255, 255, 255, 255, 255, 200, 0, 0]);
        // A pixel whose green alone differs is colour too.
        let (c, ..) = decode(&encode(2, 1, &[white, [10, 11, 10, 255]].concat()).unwrap());
        assert_eq!(c, png::ColorType::Rgb);
    }

    #[test]
    fn white_runs_and_the_pixels_between_them_are_packed_alike() {
        // 19 pixels a row: two blocks of eight, a pair and an odd pixel. Row 0 white but
        // one grey pixel inside the second block, row 1 all kinds of grey, row 2 white.
        let (w, h) = (19usize, 3usize);
        let mut pixels = vec![255u8; w * h * 4];
        let mut set = |x: usize, y: usize, a: u8| {
            let i = (y * w + x) * 4;
            pixels[i..i + 4].copy_from_slice(&[0, 0, 0, a]);
        };
        set(13, 0, 200);
        for x in 0..w {
            set(x, 1, (x * 13) as u8);
        }
        let (c, depth, _, _, px) = decode(&encode(w as u32, h as u32, &pixels).unwrap());
        assert_eq!((c, depth), (png::ColorType::Grayscale, png::BitDepth::Four));
        // Each pixel: the grey over white (255 - a) to the nearest of 16 levels.
        let level = |a: usize| (((255 - a) * 15 + 127) / 255 * 17) as u8;
        let mut expected = vec![255u8; w * h];
        expected[13] = level(200);
        for x in 0..w {
            expected[w + x] = level(x * 13);
        }
        assert_eq!(px, expected);
        // A colour pixel inside a block of white ones turns the page to RGB.
        let mut coloured = vec![255u8; w * 4];
        coloured[5 * 4..5 * 4 + 4].copy_from_slice(&[255, 0, 0, 255]);
        let (c, _, _, _, px) = decode(&encode(w as u32, 1, &coloured).unwrap());
        assert_eq!(c, png::ColorType::Rgb);
        assert_eq!(&px[15..18], &[255, 0, 0]);
    }
}
