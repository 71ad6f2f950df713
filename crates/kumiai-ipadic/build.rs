//! Compiles the vendored mecab-ipadic sources into lindera's binary format, offline.
//!
//! lindera's own `embed-ipadic` feature downloads the dictionary at build time, which fails
//! without a network. The 2007 tarball is vendored instead; its checksum is verified so a
//! corrupted or swapped file fails the build loudly rather than producing a wrong analyzer.

use std::error::Error;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use lindera_dictionary::builder::DictionaryBuilder;
use lindera_dictionary::dictionary::metadata::Metadata;
use sha2::{Digest, Sha256};

const TARBALL: &str = "vendor/mecab-ipadic-2.7.0-20070801.tar.gz";
const TARBALL_SHA256: &str = "b62f527d881c504576baed9c6ef6561554658b175ce6ae0096a60307e49e3523";
const SOURCE_DIR: &str = "mecab-ipadic-2.7.0-20070801";

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={TARBALL}");
    println!("cargo:rerun-if-changed=metadata.json");

    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    println!("cargo:rustc-env=LINDERA_WORKDIR={}", out_dir.display());
    let output_dir = out_dir.join("ipadic");
    if output_dir.join("metadata.json").is_file() {
        return Ok(());
    }

    let tarball = fs::read(TARBALL).map_err(|e| format!("cannot read {TARBALL}: {e}"))?;
    let digest = format!("{:x}", Sha256::digest(&tarball));
    if digest != TARBALL_SHA256 {
        return Err(format!(
            "{TARBALL} has SHA-256 {digest}, expected {TARBALL_SHA256}: restore the original file"
        )
        .into());
    }

    let input_dir = out_dir.join("ipadic-src");
    extract_as_utf8(&tarball, &input_dir)?;

    let metadata: Metadata = load_metadata(Path::new("metadata.json"))?;
    let staging = out_dir.join("ipadic.partial");
    let _ = fs::remove_dir_all(&staging);
    DictionaryBuilder::new(metadata).build_dictionary(&input_dir, &staging)?;
    // Rename last so an interrupted build is never mistaken for a finished one.
    fs::rename(&staging, &output_dir)?;
    let _ = fs::remove_dir_all(&input_dir);
    Ok(())
}

/// Unpacks the dictionary sources (`*.csv`, `*.def`), converting them from EUC-JP to UTF-8.
fn extract_as_utf8(tarball: &[u8], input_dir: &Path) -> Result<(), Box<dyn Error>> {
    fs::create_dir_all(input_dir)?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(tarball));
    for entry in archive.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.into_owned();
        let Ok(rel) = path.strip_prefix(SOURCE_DIR) else {
            continue;
        };
        let name = rel.to_string_lossy().into_owned();
        if !(name.ends_with(".csv") || name.ends_with(".def")) || name.contains('/') {
            continue;
        }
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;
        let (text, _, had_errors) = encoding_rs::EUC_JP.decode(&bytes);
        if had_errors {
            return Err(format!("{name}: not valid EUC-JP").into());
        }
        fs::write(input_dir.join(&name), text.as_bytes())?;
    }
    Ok(())
}

fn load_metadata(path: &Path) -> Result<Metadata, Box<dyn Error>> {
    let text = fs::read_to_string(path)?;
    Ok(Metadata::load(text.as_bytes())?)
}
