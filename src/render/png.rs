//! A rasterised page as PNG, fast: the live preview redraws every page the drafter's
//! typing touches, and the default encoder (tiny-skia's RGBA at balanced compression)
//! took eight times the layout and rasterising together. A page of black text on
//! white is stored as 8-bit grey, anything in colour as RGB, both with `png`'s fast
//! DEFLATE (fdeflate) and the adaptive filter. Pages the typing did not change (the
//! ones before the edited paragraph, a reflowed page that came out the same) are
//! taken from a small cache keyed by the laid-out page's hash.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// An encoded page, shared between the cache and the answers that show it.
pub type Png = Arc<Vec<u8>>;

/// How many encoded pages the cache keeps (about 200 kB each: some 13 MB at most).
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
/// as an opaque PNG over white: grey when every pixel is grey, RGB otherwise.
pub fn encode(width: u32, height: u32, rgba: &[u8]) -> Result<Vec<u8>, png::EncodingError> {
    debug_assert_eq!(rgba.len(), width as usize * height as usize * 4);
    // Premultiplied over white: c + (255 - a).
    let over_white = |px: &[u8]| {
        let cover = 255 - px[3];
        [
            px[0].saturating_add(cover),
            px[1].saturating_add(cover),
            px[2].saturating_add(cover),
        ]
    };
    let grey = rgba.chunks_exact(4).all(|px| {
        let [r, g, b] = over_white(px);
        r == g && g == b
    });
    let (color, data): (png::ColorType, Vec<u8>) = if grey {
        let data = rgba.chunks_exact(4).map(|px| over_white(px)[0]).collect();
        (png::ColorType::Grayscale, data)
    } else {
        let data = rgba.chunks_exact(4).flat_map(over_white).collect();
        (png::ColorType::Rgb, data)
    };
    let mut out = Vec::with_capacity(data.len() / 8);
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(color);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&data)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(png: &[u8]) -> (png::ColorType, u32, u32, Vec<u8>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info.color_type, info.width, info.height, buf)
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
    fn grey_pages_are_grey_and_colour_stays() {
        // 2 × 1: white, half-covered black (premultiplied: 0,0,0,128 → grey 127).
        let (c, w, h, px) = decode(&encode(2, 1, &[255, 255, 255, 255, 0, 0, 0, 128]).unwrap());
        assert_eq!(
            (c, w, h, px),
            (png::ColorType::Grayscale, 2, 1, vec![255, 127])
        );
        // A red seal pixel keeps its colour.
        let (c, _, _, px) = decode(&encode(2, 1, &[255, 255, 255, 255, 200, 0, 0, 255]).unwrap());
        assert_eq!(
            (c, px),
            (png::ColorType::Rgb, vec![255, 255, 255, 200, 0, 0])
        );
    }
}
