//! `vanthu doctor`: what in the stored data would fail later, said now.

use vanthu::store::{Store, images};

/// Prints each stored signature image and seal that no longer reads as a usable PNG;
/// an error (exit 1) when there is one.
pub fn run(store: &Store) -> anyhow::Result<()> {
    let bad = images::unreadable(store)?;
    for b in &bad {
        println!("{}: {} (hãy tải lên lại ảnh này)", b.owner, b.problem);
    }
    if bad.is_empty() {
        println!("ảnh chữ ký và con dấu đã lưu: đọc được cả");
        Ok(())
    } else {
        anyhow::bail!(
            "{} ảnh đã lưu không đọc được: mọi lần ban hành có ký số cần ảnh đó sẽ bị từ chối",
            bad.len()
        )
    }
}
