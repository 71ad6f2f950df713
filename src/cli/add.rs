//! `kumiai add FILE`: a manifest entry for a new file, guessed from its content, for the user
//! to check and edit.

use super::*;
use crate::ingest::TableSpec;
use crate::ingest::manifest::{MANIFEST_FILE, find_years, is_table_file};
use crate::ingest::table::{self, ColumnRole, Role};

pub(super) fn add(cli: &Cli, file: &Path) -> Result<(), Failure> {
    let corpus = std::fs::canonicalize(&cli.corpus).map_err(|e| {
        format!(
            "corpus folder {}: {e}: run from the project folder or pass --corpus DIR",
            cli.corpus.display()
        )
    })?;
    let full = std::fs::canonicalize(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let rel = full.strip_prefix(&corpus).map_err(|_| {
        format!(
            "{} is not in the corpus folder {}: copy it there first, then run `kumiai add` on the copy",
            file.display(),
            cli.corpus.display()
        )
    })?;
    let session = open_corpus(cli)?;
    let manifest = session.manifest();
    if manifest.entry(rel).is_some() {
        return Err(Failure::from(format!(
            "{} is already listed in {MANIFEST_FILE}: edit its entry there",
            rel.display()
        )));
    }
    let name = rel.to_string_lossy().replace('\\', "/");
    let stem = rel
        .file_stem()
        .map_or_else(|| name.clone(), |s| s.to_string_lossy().into_owned());
    let id = stem
        .chars()
        .map(|c| {
            if c.is_whitespace() || c == ':' {
                '-'
            } else {
                c
            }
        })
        .collect::<String>();
    let years = find_years(&name);
    let year = match years.as_slice() {
        [] => None,
        [y] => Some(y.to_string()),
        [a, .., b] => Some(if a < b {
            format!("{a}-{b}")
        } else {
            a.to_string()
        }),
    };
    let roles = if is_table_file(rel) {
        Some(table_roles(&full, rel)?)
    } else {
        None
    };
    let value = |s: &str| toml::Value::String(s.to_string()).to_string();
    let list = |v: &[String]| {
        toml::Value::Array(v.iter().cloned().map(toml::Value::String).collect()).to_string()
    };
    let mut entry = format!(
        "\n# Added by `kumiai add`: check every line, and write the organisation (org).\n[[document]]\nfile = {}\nid = {}\norg = \"\"\n",
        value(&name),
        value(&id)
    );
    match &year {
        Some(y) => entry.push_str(&format!("year = {}\n", value(y))),
        None => entry.push_str("# year = \"2025\"\n"),
    }
    // A text is a policy unless it is a known printed survey form.
    let form = match &roles {
        Some(_) => None,
        None => std::fs::read(&full)
            .ok()
            .and_then(|bytes| ingest::decode::decode(&bytes).ok())
            .and_then(|d| crate::form::detect(&d.text)),
    };
    let kind = if roles.is_some() || form.is_some() {
        "survey"
    } else {
        "policy"
    };
    entry.push_str(&format!("kind = \"{kind}\"\n"));
    match (&roles, form) {
        // A table's first line is its header row: the file name is the better title.
        (Some(_), _) => {
            let title = rel
                .file_name()
                .map_or_else(|| name.clone(), |n| n.to_string_lossy().into_owned());
            entry.push_str(&format!("title = {}\n", value(&title)));
        }
        (None, form) => {
            entry.push_str("# title = \"…\"  (default: the first line of the text)\n");
            if let Some(form) = form {
                entry.push_str(&format!("form = \"{}\"\n", form.name()));
            }
        }
    }
    if let Some((spec, _)) = &roles {
        entry.push_str("\n[document.table]\n");
        for (key, columns) in [
            ("branch", &spec.branch),
            ("personal", &spec.personal),
            ("questions", &spec.questions),
            ("attributes", &spec.attributes),
        ] {
            entry.push_str(&format!("{key} = {}\n", list(columns)));
        }
    }
    let path = cli.corpus.join(MANIFEST_FILE);
    let old = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Failure::from(format!("{}: {e}", path.display()))),
    };
    let mut new = old.clone();
    if !new.is_empty() && !new.ends_with('\n') {
        new.push('\n');
    }
    new.push_str(&entry);
    // Never leave a manifest that no longer parses.
    crate::ingest::Manifest::parse(&new, &path)?;
    std::fs::write(&path, &new).map_err(|e| format!("{}: {e}", path.display()))?;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    writeln!(
        out,
        "{} に {} の項目を書き足しました:",
        path.display(),
        crate::warning::escape_controls(&name)
    )?;
    writeln!(
        out,
        "  kind = {kind}, year = {}",
        year.as_deref().unwrap_or("（不明：書き足してください）")
    )?;
    if let Some((_, roles)) = &roles {
        for r in roles {
            writeln!(out, "  {}", describe(r))?;
        }
    }
    if roles.is_some() {
        writeln!(
            out,
            "org（組織名）を書き、列の割り当てを確かめてください。personal の列は索引にも出力にも入りません。"
        )?;
    } else {
        writeln!(out, "org（組織名）と title（題名）を確かめてください。")?;
    }
    Ok(())
}

/// The columns of a table file and what each was taken for.
fn table_roles(full: &Path, rel: &Path) -> Result<(TableSpec, Vec<ColumnRole>), Failure> {
    let ext = rel
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let (headers, rows) = if ext == "csv" || ext == "tsv" {
        let bytes = std::fs::read(full).map_err(|e| format!("{}: {e}", rel.display()))?;
        let text = ingest::decode::decode(&bytes)
            .map_err(|_| format!("{}: empty or not text", rel.display()))?
            .text;
        table::delimited_rows(&text, if ext == "tsv" { b'\t' } else { b',' })
    } else {
        table::workbook_rows(full, None)
    }
    .map_err(|e| format!("{}: {e}", rel.display()))?;
    let (spec, roles) = table::infer_spec(&headers, &rows);
    if spec.questions.is_empty() {
        return Err(Failure::from(format!(
            "{}: no column looks like free text (answers of {} characters or more on average); name the question columns yourself under [document.table] questions = [...]",
            rel.display(),
            table::QUESTION_MEAN_CHARS
        )));
    }
    Ok((spec, roles))
}

fn describe(r: &ColumnRole) -> String {
    let header = crate::warning::escape_controls(&r.header);
    match r.role {
        Role::Branch => format!("{header} → branch（組織の単位：集計と branch: 検索に使う）"),
        Role::Personal => format!("{header} → personal（個人情報：読むだけで索引・出力しない）"),
        Role::Question => format!("{header} → questions（自由記述：平均 {} 字）", r.mean_chars),
        Role::Attribute => format!("{header} → attributes（属性：回答に添える）"),
        Role::Ignored => "（見出しのない列）→ 読まない".to_string(),
    }
}
