//! Large documents laid out in a process of their own. typst's memo tables keep their
//! capacity after eviction (comemo 0.5 empties them but does not shrink them), so a
//! service that lays out a 5,000-row annex itself stays about 190 MB larger for good.
//! With a [`ChildCommand`] the service hands a document over
//! [`super::super::budget::LARGE_LAYOUT_BYTES`] of layout data to `vanthu render-child`
//! (the same binary, the same fonts): the child lays it out, exports it and exits, and
//! the memory goes with it. What the child makes is byte for byte what the service
//! would have made (a unit test compares them).
//!
//! The exchange, over the child's standard input and output: one JSON [`Request`] in;
//! `OK <pages>\n` and the PDF's bytes out, or `ERR <kind>\n` and the message (kinds:
//! `layout`, `pages <n>`, `export`).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use typst::foundations::Bytes;

use super::world::Served;
use super::{PdfRenderer, RenderError};

/// How to start the child: the vanthu binary and the extra font folder it was given.
#[derive(Debug, Clone)]
pub struct ChildCommand {
    pub exe: PathBuf,
    pub font_dir: Option<PathBuf>,
}

/// One document for the child: the layout data, the images and the file's identity.
#[derive(Serialize, Deserialize)]
struct Request {
    ident: String,
    day: (i32, u32, u32),
    /// base64 of the signature and seal PNGs.
    signature: Option<String>,
    seal: Option<String>,
    /// The layout data (JSON text).
    data: String,
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

impl ChildCommand {
    /// The running binary as the child: on Linux `/proc/self/exe`, which stays this very
    /// program (and so speaks its exchange) even after a package upgrade has replaced the
    /// file on disk and the service has not restarted yet.
    pub fn this_binary(font_dir: Option<PathBuf>) -> std::io::Result<ChildCommand> {
        let own = std::path::Path::new("/proc/self/exe");
        let exe = if own.exists() {
            own.to_path_buf()
        } else {
            std::env::current_exe()?
        };
        Ok(ChildCommand { exe, font_dir })
    }

    /// Lays out and exports in a child process what [`PdfRenderer::lay_out_and_export`]
    /// would in this one.
    pub(super) fn render(
        &self,
        data: Vec<u8>,
        served: &Served,
        ident: &str,
        day: (i32, u32, u32),
    ) -> Result<(Vec<u8>, usize), RenderError> {
        let failed = |what: String| {
            RenderError::Export(format!(
                "không dựng được văn bản lớn ({what}); hãy thử lại, nếu vẫn lỗi hãy báo người quản trị hệ thống"
            ))
        };
        let request = Request {
            ident: ident.to_string(),
            day,
            signature: served
                .signature
                .as_ref()
                .map(|b| b64().encode(b.as_slice())),
            seal: served.seal.as_ref().map(|b| b64().encode(b.as_slice())),
            data: String::from_utf8(data).map_err(|e| failed(e.to_string()))?,
        };
        let mut command = Command::new(&self.exe);
        // The child reads its document from the pipe and nothing from the environment,
        // so it is given none (the service's holds the SMTP password and tokens).
        command.env_clear().arg("render-child");
        if let Some(dir) = &self.font_dir {
            command.arg("--font-dir").arg(dir);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| failed(e.to_string()))?;
        let mut stdin = child.stdin.take().expect("piped");
        // Written on a thread of its own: the child may answer before reading it all.
        let writer = std::thread::spawn(move || serde_json::to_writer(&mut stdin, &request));
        let out = child
            .wait_with_output()
            .map_err(|e| failed(e.to_string()))?;
        let _ = writer.join();
        if !out.status.success() {
            return Err(failed(format!(
                "tiến trình dựng trang dừng bất thường: {}",
                out.status
            )));
        }
        answer(&out.stdout)
    }
}

/// The child's answer as the renderer's result.
fn answer(out: &[u8]) -> Result<(Vec<u8>, usize), RenderError> {
    let bad = || {
        RenderError::Export(
            "không dựng được văn bản lớn (tiến trình dựng trang trả lời sai dạng); hãy báo người quản trị hệ thống".into(),
        )
    };
    let end = out.iter().position(|&b| b == b'\n').ok_or_else(bad)?;
    let head = std::str::from_utf8(&out[..end]).map_err(|_| bad())?;
    let rest = &out[end + 1..];
    let message = || String::from_utf8_lossy(rest).into_owned();
    match head.split_once(' ') {
        Some(("OK", pages)) => Ok((rest.to_vec(), pages.parse().map_err(|_| bad())?)),
        Some(("ERR", "layout")) => Err(RenderError::Layout(message())),
        Some(("ERR", "export")) => Err(RenderError::Export(message())),
        Some(("ERR", kind)) => match kind.strip_prefix("pages ") {
            Some(n) => Err(RenderError::TooManyPages {
                pages: n.parse().map_err(|_| bad())?,
            }),
            None => Err(bad()),
        },
        _ => Err(bad()),
    }
}

/// The child's side: reads one [`Request`] from `input`, lays it out with `renderer`
/// and writes the answer to `output`.
pub fn serve(
    renderer: &PdfRenderer,
    input: impl Read,
    mut output: impl Write,
) -> std::io::Result<()> {
    let request: Request = serde_json::from_reader(input)?;
    let image = |b: Option<String>| -> std::io::Result<Option<Bytes>> {
        b.map(|s| {
            b64()
                .decode(s)
                .map(Bytes::new)
                .map_err(std::io::Error::other)
        })
        .transpose()
    };
    let served = Served {
        signature: image(request.signature)?,
        seal: image(request.seal)?,
        original: None,
    };
    let result = renderer.lay_out_and_export(
        request.data.into_bytes(),
        served,
        &request.ident,
        request.day,
    );
    match result {
        Ok((pdf, pages)) => {
            writeln!(output, "OK {pages}")?;
            output.write_all(&pdf)?;
        }
        Err(RenderError::TooManyPages { pages }) => writeln!(output, "ERR pages {pages}")?,
        Err(RenderError::Layout(m)) => write!(output, "ERR layout\n{m}")?,
        Err(e) => write!(output, "ERR export\n{e}")?,
    }
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_back_as_the_renderer_s_results() {
        assert_eq!(answer(b"OK 3\n%PDF-x").unwrap(), (b"%PDF-x".to_vec(), 3));
        assert!(matches!(
            answer(b"ERR pages 1200\n"),
            Err(RenderError::TooManyPages { pages: 1200 })
        ));
        assert!(matches!(answer(b"ERR layout\nsai"), Err(RenderError::Layout(m)) if m == "sai"));
        assert!(matches!(answer(b"ERR export\nx"), Err(RenderError::Export(m)) if m == "x"));
        for garbled in [&b""[..], b"OK\n", b"OK x\n", b"NO 1\n", b"ERR what\n"] {
            assert!(
                matches!(answer(garbled), Err(RenderError::Export(_))),
                "{garbled:?}"
            );
        }
    }

    #[test]
    fn the_child_s_pdf_is_byte_for_byte_the_one_made_in_process() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let doc = crate::letter::load(&root.join("letters/004-quang-binh-780.toml")).unwrap();
        let renderer = PdfRenderer::new(None).unwrap();
        let json = renderer
            .layout_json(&doc, &crate::render::Profile::default())
            .unwrap();
        let seal = crate::render::png::encode(2, 1, &[200, 0, 0, 255, 255, 255, 255, 255]).unwrap();
        let (ident, day) = ("780/UBND-NN", (2025, 3, 4));
        let here = renderer
            .lay_out_and_export(
                json.clone(),
                Served {
                    seal: Some(Bytes::new(seal.clone())),
                    ..Served::default()
                },
                ident,
                day,
            )
            .unwrap();
        let request = serde_json::to_vec(&Request {
            ident: ident.into(),
            day,
            signature: None,
            seal: Some(b64().encode(&seal)),
            data: String::from_utf8(json).unwrap(),
        })
        .unwrap();
        let mut out = vec![];
        serve(&renderer, request.as_slice(), &mut out).unwrap();
        let there = answer(&out).unwrap();
        assert_eq!(there.1, here.1);
        assert!(there.0 == here.0, "the two PDFs differ");
        // A layout error comes back as one.
        let mut out = vec![];
        let broken = br#"{"ident":"x","day":[2025,1,1],"signature":null,"seal":null,"data":"{}"}"#;
        serve(&renderer, &broken[..], &mut out).unwrap();
        assert!(
            matches!(answer(&out), Err(RenderError::Layout(_))),
            "{}",
            String::from_utf8_lossy(&out)
        );
    }

    #[test]
    fn a_child_that_cannot_start_or_dies_is_a_clear_refusal() {
        for (exe, said) in [
            ("/nonexistent/vanthu", "không dựng được văn bản lớn"),
            ("/bin/false", "dừng bất thường"),
        ] {
            let child = ChildCommand {
                exe: exe.into(),
                font_dir: None,
            };
            match child.render(b"{}".to_vec(), &Served::default(), "x", (2025, 1, 1)) {
                Err(RenderError::Export(m)) => {
                    assert!(m.contains(said) && m.contains("hãy"), "{exe}: {m}")
                }
                other => panic!("{exe}: {:?}", other.map(|(_, n)| n)),
            }
        }
    }
}
