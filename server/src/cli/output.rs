//! Where a command's output goes: a file named by `--output`, or stdout.

use std::path::Path;

use anyhow::Context;

/// Runs `write` on the file `output`, or on standard output.
pub fn write_output(
    output: Option<&Path>,
    write: impl FnOnce(&mut dyn std::io::Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let mut file = std::io::BufWriter::new(file);
            write(&mut file)?;
            std::io::Write::flush(&mut file)?;
            Ok(())
        }
        None => write(&mut std::io::stdout().lock()),
    }
}
