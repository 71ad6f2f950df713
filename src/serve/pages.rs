//! The pages of `kumiai serve`: one handler per page, each a pure function of its query
//! string (a permalink), run off the async threads since every page is CPU work.

use std::sync::Arc;

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::Deserialize;

use super::{App, MAX_DOCUMENTS, MAX_QUERY_CHARS, attachment};
use crate::report::hits::{self, Marker};
use crate::search::{self, By, Results};
use crate::themes::{self, Selection};

/// Documents per result page.
const PAGE: usize = 20;
/// Passages shown per document.
const PASSAGES: usize = 3;
/// Passages in a concordance.
const MAX_KWIC: usize = 2_000;

const STYLE: &str = "body{margin:0;font-family:\"Hiragino Sans\",\"Noto Sans JP\",\"Noto Sans CJK JP\",\"Yu Gothic\",Meiryo,sans-serif;color:#222}\
nav.k{background:#1d3557;padding:.5em 1em}nav.k a{color:#fff;margin-right:1.2em;text-decoration:none}\
nav.k a.on{font-weight:bold;border-bottom:2px solid #ffe066}\
main{margin:1em;max-width:80em}form.q input[type=text],form.q input[type=search]{width:28em;font-size:1.05em;padding:.2em}\
form.q label{margin-right:.8em}textarea{width:100%;font-family:monospace}\
.cols{display:flex;gap:2em}.facets{flex:0 0 18em;font-size:.9em;overflow-wrap:anywhere}.facets h3{font-size:1em;margin:.8em 0 .2em}\
.facets li{list-style:none}.facets ul{padding:0;margin:0}.results{flex:1}\
h2.doc{font-size:1.05em;border-bottom:1px solid #bbb;margin:1.2em 0 .3em}\
.hit{margin:.4em 0 .8em}.src{color:#555;font-size:.85em}mark{background:#ffe066}\
.error{background:#fee;border:1px solid #c33;padding:.5em;white-space:pre;font-family:monospace}\
.tabs a{margin-right:1em}.tabs a.on{font-weight:bold}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}\
table.kwic td.l{text-align:right}.here{background:#fff7cc}.sec{color:#1d3557;font-weight:bold;margin-top:1em}\
.pager a{margin-right:1em}.note{color:#555}";

/// The page frame: navigation, then `body`.
fn page(title: &str, active: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="ja" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title { (title) " — kumiai" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                (nav(active))
                main { (body) }
            }
        }
    }
}

/// The pages, in the navigation's order.
const TABS: [(&str, &str); 5] = [
    ("/", "検索"),
    ("/themes", "テーマ"),
    ("/codebook", "コードブック"),
    ("/compare", "比較"),
    ("/trend", "語の推移"),
];

fn nav(active: &str) -> Markup {
    html! {
        nav.k {
            @for (href, label) in TABS {
                a href=(href) class=[(href == active).then_some("on")] { (label) }
            }
        }
    }
}

/// A report page of the CLI's writers (a whole HTML document) under the navigation and
/// `form`: the same page the CLI writes, reached from the browser.
fn framed(report: Vec<u8>, active: &str, form: Markup) -> Response {
    let report = String::from_utf8_lossy(&report);
    let top = html! {
        style { (PreEscaped(STYLE)) }
        (nav(active))
        div style="margin:1em" { (form) }
    };
    let html = match report.find("<body>") {
        Some(at) => {
            let (head, rest) = report.split_at(at + "<body>".len());
            format!("{head}{}{rest}", top.into_string())
        }
        None => format!("{}{report}", top.into_string()),
    };
    Html(html).into_response()
}

fn error_page(status: StatusCode, title: &str, active: &str, message: &str) -> Response {
    let body = html! {
        h1 { (title) }
        div.error { (message) }
    };
    (status, Html(page(title, active, body).into_string())).into_response()
}

/// Runs `f` on the blocking pool: search, themes and compare are CPU work.
async fn blocking(f: impl FnOnce() -> Response + Send + 'static) -> Response {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|_| (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response())
}

/// A text parameter, refused when longer than [`MAX_QUERY_CHARS`].
fn bounded<'a>(value: &'a Option<String>, what: &str) -> Result<&'a str, String> {
    let v = value.as_deref().unwrap_or("").trim();
    if v.chars().count() > MAX_QUERY_CHARS {
        return Err(format!(
            "{what} is longer than {MAX_QUERY_CHARS} characters: shorten it"
        ));
    }
    Ok(v)
}

fn encode(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

pub(super) async fn not_found() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "見つかりません",
        "",
        "no such page: start from the search page (/)",
    )
}

#[derive(Deserialize, Default)]
pub(super) struct SearchParams {
    q: Option<String>,
    offset: Option<usize>,
    /// `kwic` for the concordance tab.
    view: Option<String>,
    /// KWIC order: `left` or `right` context.
    sort: Option<String>,
    /// `off`: the manifest's synonyms only.
    thesaurus: Option<String>,
}

impl SearchParams {
    fn thesaurus(&self) -> bool {
        self.thesaurus.as_deref() != Some("off")
    }
}

/// The query parsed and searched; `Err` is the message to show (a query error at its
/// position, as the CLI renders it).
fn run_search(
    app: &App,
    q: &str,
    thesaurus: bool,
    (by, offset, limit): (By, usize, usize),
) -> Result<Results, String> {
    let parsed = search::query::parse(q).map_err(|e| format!("invalid query\n{}", e.render(q)))?;
    let synonyms = app.corpus.synonyms(thesaurus);
    let request = search::Request {
        query: &parsed,
        synonyms: &synonyms,
        limit,
        offset,
        facets: true,
        by,
    };
    search::search(&app.index, &request).map_err(|e| {
        crate::index::IndexError::Corrupt(app.index.dir.clone(), e.to_string()).to_string()
    })
}

pub(super) async fn search(State(app): State<Arc<App>>, Query(p): Query<SearchParams>) -> Response {
    blocking(move || search_page(&app, &p)).await
}

fn search_page(app: &App, p: &SearchParams) -> Response {
    let q = match bounded(&p.q, "the query") {
        Ok(q) => q,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, "検索", "/", &e),
    };
    let kwic = p.view.as_deref() == Some("kwic");
    let offset = p.offset.unwrap_or(0).min(1_000_000);
    // The concordance is of every matching passage (up to MAX_KWIC), as KH Coder's is.
    let page_of = if kwic {
        (By::Unit, 0, MAX_KWIC)
    } else {
        (By::Document(PASSAGES), offset, PAGE)
    };
    let outcome = (!q.is_empty()).then(|| run_search(app, q, p.thesaurus(), page_of));
    let here = Here {
        q,
        thesaurus: p.thesaurus(),
    };
    let link = |extra: &[(&str, &str)]| here.href(q, extra);
    let body = html! {
        h1 { "検索" }
        form.q method="get" action="/" {
            input type="search" name="q" value=(q) autofocus
                placeholder="例: 未加入者　人手不足 人員確保　\"新規採用者\" -自治労連 kind:survey";
            " "
            button type="submit" { "検索" }
            " "
            label { input type="checkbox" name="thesaurus" value="off" checked[!p.thesaurus()]; "同義語辞書を使わない" }
        }
        p.note { "語は原形・複合語の一部・同義語でも見つかります（入力した語が最上位）。+語 必須、-語 除外、\"句\"、OR、org: year: kind: branch: question: doc: で絞り込み。" }
        @match &outcome {
            None => {}
            Some(Err(message)) => { div.error { (message) } }
            Some(Ok(results)) => {
                @for (word, syns) in &results.expansions {
                    p.note { "同義語展開: " (word) " → " (syns.join(" / ")) }
                }
                p { (results.total) " 件ヒット・" (results.documents) " 文書" }
                div.tabs {
                    a href=(link(&[])) class=[(!kwic).then_some("on")] { "文書別" }
                    a href=(link(&[("view", "kwic")])) class=[kwic.then_some("on")] { "KWIC（コンコーダンス）" }
                    "書き出し: "
                    a href=(export_href(&here, "xlsx", kwic)) { "Excel（XLSX）" }
                    " "
                    a href=(export_href(&here, "csv", kwic)) { "CSV" }
                }
                div.cols {
                    div.facets { (facets(results, &here)) }
                    div.results {
                        @if kwic { (kwic_table(results, p.sort.as_deref(), &here)) }
                        @else { (hit_list(results)) (pager(results, offset, &here)) }
                    }
                }
            }
        }
    };
    let status = match &outcome {
        Some(Err(_)) => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    let title = if q.is_empty() {
        "検索".to_string()
    } else {
        format!("検索：{q}")
    };
    (status, Html(page(&title, "/", body).into_string())).into_response()
}

/// The search page's state, for its links.
struct Here<'a> {
    q: &'a str,
    thesaurus: bool,
}

impl Here<'_> {
    /// The search page for `q` with `extra` parameters, the thesaurus choice kept.
    fn href(&self, q: &str, extra: &[(&str, &str)]) -> String {
        let mut pairs = vec![("q", q)];
        if !self.thesaurus {
            pairs.push(("thesaurus", "off"));
        }
        pairs.extend_from_slice(extra);
        format!("/?{}", encode(&pairs))
    }
}

/// The download of the current hits (or concordance) in `format`.
fn export_href(here: &Here, format: &str, kwic: bool) -> String {
    let mut pairs = vec![("q", here.q), ("format", format)];
    if kwic {
        pairs.push(("kwic", "1"));
    }
    if !here.thesaurus {
        pairs.push(("thesaurus", "off"));
    }
    format!("/export?{}", encode(&pairs))
}

/// Each facet's values with their counts; a value is a link that adds its filter.
fn facets(results: &Results, here: &Here) -> Markup {
    let Some(f) = &results.facets else {
        return html! {};
    };
    html! {
        @for (label, items) in hits::facet_counts(f) {
            h3 { (label) }
            ul {
                @for (value, n) in items.iter().take(30) {
                    li {
                        @match filter_for(label, value) {
                            Some(filter) => {
                                a.facet href=(here.href(&format!("{} {filter}", here.q), &[])) { (value) }
                            }
                            None => { (value) }
                        }
                        " " span.n { (n) }
                    }
                }
            }
        }
    }
}

/// The query filter that narrows to one facet value (quoted, so spaces and colons stay in).
fn filter_for(label: &str, value: &str) -> Option<String> {
    let quoted = format!("\"{}\"", value.replace('"', ""));
    match label {
        "組織" => Some(format!("org:{quoted}")),
        "年度" if value.chars().all(|c| c.is_ascii_digit() || c == '-') => {
            Some(format!("year:{value}"))
        }
        "種別" => Some(format!("kind:{value}")),
        "県本部" | "単組" => Some(format!("branch:{quoted}")),
        "設問" => Some(format!("question:{quoted}")),
        _ => None,
    }
}

fn hit_list(results: &Results) -> Markup {
    // A heading where a new document (record) starts: hits come best document first.
    let new_record: Vec<bool> = results
        .hits
        .iter()
        .enumerate()
        .map(|(i, hit)| i == 0 || results.hits[i - 1].record != hit.record)
        .collect();
    html! {
        @for (hit, new) in results.hits.iter().zip(new_record) {
            @if new {
                h2.doc { (hits::document_heading(hit)) }
            }
            @let (text, ranges) = hits::display(hit);
            div.hit {
                div.src {
                    (hits::provenance(hit)) "（" (hit.line) "行目、score " (format!("{:.2}", hit.score)) "） "
                    a href=(doc_link(hit)) { "文書を開く" }
                }
                div { (PreEscaped(hits::mark(&text, &ranges, Marker::Html))) }
            }
        }
    }
}

/// The document view of a hit, scrolled to its unit.
fn doc_link(hit: &search::Hit) -> String {
    let seq = hit.id.rsplit_once(':').map_or("0", |(_, s)| s);
    format!(
        "/doc?{}#u{seq}",
        encode(&[("id", hit.doc.as_str()), ("unit", seq)])
    )
}

fn kwic_table(results: &Results, sort: Option<&str>, here: &Here) -> Markup {
    let link = |extra: &[(&str, &str)]| here.href(here.q, extra);
    let mut lines = hits::concordance(results);
    match sort {
        // KH Coder's 左 order: by the words nearest the match, read backwards.
        Some("left") => lines.sort_by(|a, b| {
            a.left
                .trim_start()
                .chars()
                .rev()
                .cmp(b.left.trim_start().chars().rev())
        }),
        Some("right") => lines.sort_by(|a, b| a.right.cmp(&b.right)),
        _ => {}
    }
    html! {
        p.note {
            "並べ替え: "
            a href=(link(&[("view", "kwic"), ("sort", "left")])) { "左文脈" } " "
            a href=(link(&[("view", "kwic"), ("sort", "right")])) { "右文脈" } " "
            a href=(link(&[("view", "kwic")])) { "順位" }
        }
        table.kwic {
            tr { th { "左文脈" } th { "一致" } th { "右文脈" } th { "出典" } }
            @for line in &lines {
                tr {
                    td.l { (line.left.trim_start()) }
                    td { mark { (line.hit_text) } }
                    td { (line.right) }
                    td { a href=(doc_link(line.hit)) { (line.hit.doc) } " " (hits::provenance(line.hit)) }
                }
            }
        }
    }
}

fn pager(results: &Results, offset: usize, here: &Here) -> Markup {
    let link = |extra: &[(&str, &str)]| here.href(here.q, extra);
    let prev = (offset > 0).then(|| offset.saturating_sub(PAGE).to_string());
    let next = (offset + PAGE < results.documents).then(|| (offset + PAGE).to_string());
    let shown_to = (offset + PAGE).min(results.documents);
    html! {
        div.pager {
            @if let Some(o) = &prev { a href=(link(&[("offset", o)])) { "← 前へ" } }
            span { (offset.min(shown_to) + usize::from(results.documents > 0)) "–" (shown_to) " / " (results.documents) " 文書" }
            " "
            @if let Some(o) = &next { a href=(link(&[("offset", o)])) { "次へ →" } }
        }
    }
}

#[derive(Deserialize)]
pub(super) struct ExportParams {
    q: Option<String>,
    format: Option<String>,
    kwic: Option<String>,
    thesaurus: Option<String>,
}

/// The hits of a query (up to [`MAX_DOCUMENTS`] documents) as XLSX or CSV, written by the
/// CLI's writers.
pub(super) async fn export(State(app): State<Arc<App>>, Query(p): Query<ExportParams>) -> Response {
    blocking(move || {
        let q = match bounded(&p.q, "the query") {
            Ok(q) if !q.is_empty() => q,
            Ok(_) => {
                return error_page(StatusCode::BAD_REQUEST, "書き出し", "/", "no query given");
            }
            Err(e) => return error_page(StatusCode::BAD_REQUEST, "書き出し", "/", &e),
        };
        let thesaurus = p.thesaurus.as_deref() != Some("off");
        let kwic = p.kwic.as_deref().is_some_and(|k| !k.is_empty());
        let by = if kwic {
            (By::Unit, 0, MAX_KWIC)
        } else {
            (By::Document(PASSAGES), 0, MAX_DOCUMENTS)
        };
        let results = match run_search(&app, q, thesaurus, by) {
            Ok(r) => r,
            Err(e) => return error_page(StatusCode::BAD_REQUEST, "書き出し", "/", &e),
        };
        let mut bytes = Vec::new();
        let written = match p.format.as_deref() {
            Some("csv") if kwic => hits::write_kwic_csv(&mut bytes, &results)
                .map(|_| ("text/csv; charset=utf-8", "kumiai-kwic.csv")),
            Some("csv") => hits::write_csv(&mut bytes, &results)
                .map(|_| ("text/csv; charset=utf-8", "kumiai-hits.csv")),
            Some("xlsx") | None => crate::report::xlsx::workbook(&hits::sheets(&results, kwic))
                .map(|b| {
                    bytes = b;
                    (
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        "kumiai-hits.xlsx",
                    )
                }),
            Some(other) => {
                return error_page(
                    StatusCode::BAD_REQUEST,
                    "書き出し",
                    "/",
                    &format!("unknown format {other:?}: use xlsx or csv"),
                );
            }
        };
        match written {
            Ok((content_type, name)) => attachment(bytes, content_type, name),
            Err(e) => error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "書き出し",
                "/",
                &e.to_string(),
            ),
        }
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct DocParams {
    id: Option<String>,
    unit: Option<usize>,
}

/// A document whole, unit by unit under its heading path, the linked unit marked.
pub(super) async fn document(State(app): State<Arc<App>>, Query(p): Query<DocParams>) -> Response {
    blocking(move || {
        let id = p.id.as_deref().unwrap_or("");
        let docs = app.segmented();
        let Some((doc, units)) = docs.iter().find(|(d, _)| d.id == id) else {
            return error_page(
                StatusCode::NOT_FOUND,
                "文書",
                "",
                &format!("no document {id:?} in the corpus"),
            );
        };
        // Each unit's place, said where it changes.
        let places: Vec<String> = units.iter().map(unit_heading).collect();
        let body = html! {
            h1 { (doc.meta.title) }
            p.note {
                (doc.meta.org) " ・ " (doc.meta.year.map(|y| y.to_string()).unwrap_or_else(|| "年不明".into()))
                " ・ " (doc.meta.kind.as_str()) " ・ " (doc.id)
            }
            @for (i, unit) in units.iter().enumerate() {
                @if !places[i].is_empty() && (i == 0 || places[i - 1] != places[i]) {
                    div.sec { (places[i]) }
                }
                p id=(format!("u{}", unit.seq)) class=[(p.unit == Some(unit.seq)).then_some("here")] {
                    span.src { (unit.line) "行目 " }
                    (unit.text)
                }
            }
        };
        Html(page(&doc.meta.title, "", body).into_string()).into_response()
    })
    .await
}

/// Where a unit sits: a survey answer's branch and question, else its section path.
fn unit_heading(unit: &crate::segment::Unit) -> String {
    let branch = [&unit.prefecture_as_written, &unit.local_as_written]
        .into_iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(" / ");
    match (&unit.question, branch.is_empty()) {
        (Some(q), false) => format!("{branch}｜{q}"),
        (Some(q), true) => q.clone(),
        (None, false) => branch,
        (None, true) => unit.section.join(" > "),
    }
}

#[derive(Deserialize, Default)]
pub(super) struct ThemeParams {
    question: Option<String>,
    org: Option<String>,
    year: Option<String>,
    q: Option<String>,
    by: Option<String>,
    /// The codebook page's rules.
    rules: Option<String>,
}

const GROUPINGS: [(&str, &str); 5] = [
    ("単組", "単組"),
    ("県本部", "県本部"),
    ("org", "組織"),
    ("year", "年度"),
    ("question", "設問"),
];

fn grouping(by: Option<&str>) -> themes::By {
    match by {
        Some("県本部") => themes::By::Prefecture,
        Some("org") => themes::By::Org,
        Some("year") => themes::By::Year,
        Some("question") => themes::By::Question,
        _ => themes::By::Local,
    }
}

fn selection_form(p: &ThemeParams, action: &str, method: &str, rules: Option<&str>) -> Markup {
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    html! {
        form.q method=(method) action=(action) {
            label { "設問 " input type="text" name="question" value=(value(&p.question)) placeholder="例: 悩んでいること" style="width:14em"; }
            label { "組織 " input type="text" name="org" value=(value(&p.org)) style="width:8em"; }
            label { "年度 " input type="text" name="year" value=(value(&p.year)) placeholder="2025" style="width:5em"; }
            label { "検索語 " input type="text" name="q" value=(value(&p.q)) placeholder="例: 未加入者" style="width:10em"; }
            label { "集計単位 "
                select name="by" {
                    @for (v, l) in GROUPINGS {
                        option value=(v) selected[p.by.as_deref() == Some(v)] { (l) }
                    }
                }
            }
            @if let Some(rules) = rules {
                p { "コーディング規則（KH Coder 形式: ＊コード名 の次の行に 語 and 語 or …）" }
                textarea name="rules" rows="14" { (rules) }
            }
            button type="submit" { "分析" }
        }
    }
}

pub(super) async fn themes(State(app): State<Arc<App>>, Query(p): Query<ThemeParams>) -> Response {
    blocking(move || theme_page(&app, &p, "/themes")).await
}

pub(super) async fn codebook(
    State(app): State<Arc<App>>,
    Query(p): Query<ThemeParams>,
) -> Response {
    blocking(move || theme_page(&app, &p, "/codebook")).await
}

pub(super) async fn codebook_post(
    State(app): State<Arc<App>>,
    Form(p): Form<ThemeParams>,
) -> Response {
    blocking(move || theme_page(&app, &p, "/codebook")).await
}

/// The theme report of a selection; on the codebook page with the pasted rules.
fn theme_page(app: &App, p: &ThemeParams, active: &str) -> Response {
    let codebook_page = active == "/codebook";
    let rules = if codebook_page {
        match bounded(&p.rules, "the rules") {
            Ok("") => Some(themes::SHIPPED_CODEBOOK.to_string()),
            Ok(r) => Some(r.to_string()),
            Err(e) => return error_page(StatusCode::BAD_REQUEST, "コードブック", active, &e),
        }
    } else {
        None
    };
    let method = if codebook_page { "post" } else { "get" };
    let form = selection_form(p, active, method, rules.as_deref());
    let fail = |status, message: &str| {
        let body = html! { h1 { "テーマ分析" } (form.clone()) div.error { (message) } };
        (status, Html(page("テーマ分析", active, body).into_string())).into_response()
    };
    let q = match bounded(&p.q, "the query") {
        Ok(q) => q,
        Err(e) => return fail(StatusCode::BAD_REQUEST, &e),
    };
    let year = match p.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        Some(y) => match y.parse() {
            Ok(y) => Some(y),
            Err(e) => return fail(StatusCode::BAD_REQUEST, &format!("year: {e}")),
        },
        None => None,
    };
    let nonempty = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let selection = Selection {
        question: nonempty(&p.question),
        org: nonempty(&p.org),
        year,
        ..Default::default()
    };
    let parsed = match (!q.is_empty()).then(|| search::query::parse(q)).transpose() {
        Ok(parsed) => parsed,
        Err(e) => {
            return fail(
                StatusCode::BAD_REQUEST,
                &format!("invalid query\n{}", e.render(q)),
            );
        }
    };
    let docs = app.segmented();
    let query = parsed.as_ref().map(|parsed| (q, parsed, &app.index));
    let selected = match app.corpus.select(
        &docs,
        selection,
        query,
        grouping(p.by.as_deref()),
        true,
        &app.warnings,
    ) {
        Ok(s) => s,
        Err(e) => return fail(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let options = themes::Options {
        by: selected.by,
        stopwords: None,
        concepts: selected.concepts,
        pos: Default::default(),
        codebook: match rules {
            Some(rules) => themes::CodebookSource::Text {
                name: "コーディング規則".into(),
                rules,
            },
            None => themes::CodebookSource::Shipped,
        },
        discover: Default::default(),
    };
    let picture_units = selected.units.clone();
    let mut report = match themes::analyze(
        selected.units,
        &selected.selection,
        &selected.analyzer,
        &options,
    ) {
        Ok(r) => r,
        Err(e) => return fail(StatusCode::BAD_REQUEST, &e),
    };
    report.notes = selected.notes;
    let pictures = crate::report::pictures::theme_report_pictures(
        &picture_units,
        &report,
        &selected.analyzer,
        &options.concepts,
        selected.by,
    );
    let mut out = Vec::new();
    if let Err(e) = crate::report::themes::write_html_with(&mut out, &report, Some(&pictures)) {
        return fail(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string());
    }
    framed(out, active, form)
}

#[derive(Deserialize)]
pub(super) struct CompareParams {
    old: Option<String>,
    new: Option<String>,
    /// Or an organisation and two years, old first: `org=金属労協&years=2024,2025`.
    org: Option<String>,
    years: Option<String>,
    format: Option<String>,
}

impl CompareParams {
    fn is_empty(&self) -> bool {
        [&self.old, &self.new, &self.org]
            .iter()
            .all(|v| v.as_deref().is_none_or(|v| v.trim().is_empty()))
    }
}

/// The policy texts that can be compared: prose documents (never a survey), oldest first.
fn comparable(app: &App) -> Vec<(String, String)> {
    let docs = app.segmented();
    let mut out: Vec<_> = docs
        .iter()
        .filter(|(d, _)| matches!(d.layout, crate::ingest::Layout::Prose))
        .map(|(d, _)| {
            let year = d.meta.year.map(|y| y.to_string()).unwrap_or_default();
            (
                d.id.clone(),
                format!("{} {} — {}", d.meta.org, year, d.meta.title),
            )
        })
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

fn compare_form(app: &App, p: &CompareParams) -> Markup {
    let docs = comparable(app);
    let choice = |name: &str, chosen: &Option<String>| {
        html! {
            select name=(name) {
                option value="" { "（選んでください）" }
                @for (id, label) in &docs {
                    option value=(id) selected[chosen.as_deref() == Some(id.as_str())] { (label) }
                }
            }
        }
    };
    html! {
        form.q method="get" action="/compare" {
            label { "旧 " (choice("old", &p.old)) }
            label { "新 " (choice("new", &p.new)) }
            button type="submit" { "新旧対照表を作る" }
        }
        form.q method="get" action="/compare" {
            label { "または 組織 " input type="text" name="org" value=(p.org.clone().unwrap_or_default()) placeholder="金属労協" style="width:10em"; }
            label { "年度 " input type="text" name="years" value=(p.years.clone().unwrap_or_default()) placeholder="2024,2025" style="width:7em"; }
            button type="submit" { "比較" }
        }
    }
}

/// The comparison of two documents of the corpus, or the message why not.
/// The comparison and each side's (id, title).
type Compared = (
    crate::compare::Comparison,
    (String, String),
    (String, String),
);

fn comparison(app: &App, p: &CompareParams) -> Result<Compared, String> {
    let segmented = app.segmented();
    let docs = || segmented.iter().map(|(d, _)| d);
    let find = |id: &Option<String>, which: &str| {
        let id = id.as_deref().unwrap_or("");
        docs()
            .find(|d| d.id == id)
            .ok_or_else(|| format!("choose the {which} document"))
    };
    let (old, new) = match (p.org.as_deref().filter(|o| !o.trim().is_empty()), &p.years) {
        (Some(org), Some(years)) => {
            let years: Vec<u16> = years
                .split([',', '、'])
                .filter_map(|y| y.trim().parse().ok())
                .collect();
            let [a, b] = years[..] else {
                return Err("give two years, old first: 2024,2025".into());
            };
            (
                crate::corpus::document_of_year(docs(), org.trim(), a)?,
                crate::corpus::document_of_year(docs(), org.trim(), b)?,
            )
        }
        _ => (find(&p.old, "old")?, find(&p.new, "new")?),
    };
    let old_text = crate::corpus::prose_text(old, &old.id)?;
    let new_text = crate::corpus::prose_text(new, &new.id)?;
    let analyzer = app.corpus.analyzer().map_err(|e| e.to_string())?;
    let c = crate::compare::compare(old_text, new_text, &analyzer, &Default::default());
    Ok((
        c,
        (old.id.clone(), old.meta.title.clone()),
        (new.id.clone(), new.meta.title.clone()),
    ))
}

pub(super) async fn compare(
    State(app): State<Arc<App>>,
    Query(p): Query<CompareParams>,
) -> Response {
    blocking(move || {
        let form = compare_form(&app, &p);
        if p.is_empty() {
            let body = html! { h1 { "新旧対照表" } (form) };
            return Html(page("比較", "/compare", body).into_string()).into_response();
        }
        let (c, (old_id, old_title), (new_id, new_title)) = match comparison(&app, &p) {
            Ok(c) => c,
            Err(e) => {
                let body = html! { h1 { "新旧対照表" } (form) div.error { (e) } };
                return (StatusCode::BAD_REQUEST, Html(page("比較", "/compare", body).into_string()))
                    .into_response();
            }
        };
        let titles = crate::report::compare::Titles {
            old: &old_title,
            new: &new_title,
        };
        let mut out = Vec::new();
        if let Err(e) = crate::report::compare::write_html(
            &mut out,
            &c,
            crate::report::compare::Layout::NewOld,
            titles,
        ) {
            return error_page(StatusCode::INTERNAL_SERVER_ERROR, "比較", "/compare", &e.to_string());
        }
        let pair = [
            ("old", old_id.as_str()),
            ("new", new_id.as_str()),
        ];
        let downloads = html! {
            (form)
            p { "書き出し: "
                a href=(format!("/compare/export?{}", encode(&[pair[0], pair[1], ("format", "xlsx")]))) { "Excel（XLSX）" } " "
                a href=(format!("/compare/export?{}", encode(&[pair[0], pair[1], ("format", "docx")]))) { "Word（DOCX）" }
            }
        };
        framed(out, "/compare", downloads)
    })
    .await
}

pub(super) async fn compare_export(
    State(app): State<Arc<App>>,
    Query(p): Query<CompareParams>,
) -> Response {
    blocking(move || {
        let (c, (_, old_title), (_, new_title)) = match comparison(&app, &p) {
            Ok(c) => c,
            Err(e) => return error_page(StatusCode::BAD_REQUEST, "比較", "/compare", &e),
        };
        let layout = crate::report::compare::Layout::NewOld;
        let mut bytes = Vec::new();
        let written = match p.format.as_deref() {
            Some("docx") => crate::report::compare::write_docx(
                &mut bytes,
                &c,
                layout,
                crate::report::compare::Titles {
                    old: &old_title,
                    new: &new_title,
                },
            )
            .map(|_| {
                (
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    "shintaisho.docx",
                )
            }),
            _ => crate::report::compare::write_xlsx(&mut bytes, &c, layout).map(|_| {
                (
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "shintaisho.xlsx",
                )
            }),
        };
        match written {
            Ok((content_type, name)) => attachment(bytes, content_type, name),
            Err(e) => error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "比較",
                "/compare",
                &e.to_string(),
            ),
        }
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct TrendParams {
    terms: Option<String>,
}

pub(super) async fn trend(State(app): State<Arc<App>>, Query(p): Query<TrendParams>) -> Response {
    blocking(move || {
        let terms_text = match bounded(&p.terms, "the terms") {
            Ok(t) => t.to_string(),
            Err(e) => return error_page(StatusCode::BAD_REQUEST, "語の推移", "/trend", &e),
        };
        let form = html! {
            form.q method="get" action="/trend" {
                input type="text" name="terms" value=(terms_text) placeholder="例: 自治労 自治労連 未加入者";
                " " button type="submit" { "推移を見る" }
            }
            p.note { "語は書かれたとおりに数えます（自治労連の中の自治労は数えません）。空白で区切って複数。" }
        };
        let terms: Vec<String> = terms_text.split_whitespace().map(str::to_string).collect();
        if terms.is_empty() {
            let body = html! { h1 { "語の推移" } (form) };
            return Html(page("語の推移", "/trend", body).into_string()).into_response();
        }
        let analyzer = match app.corpus.analyzer() {
            Ok(a) => a,
            Err(e) => return error_page(StatusCode::INTERNAL_SERVER_ERROR, "語の推移", "/trend", &e.to_string()),
        };
        let docs: Vec<_> = app.segmented().iter().map(|(d, _)| d.clone()).collect();
        let trend = crate::trend::trend(&docs, &terms, &analyzer, &app.warnings);
        let mut out = Vec::new();
        if let Err(e) = crate::report::trend::write_html(&mut out, &trend) {
            return error_page(StatusCode::INTERNAL_SERVER_ERROR, "語の推移", "/trend", &e.to_string());
        }
        framed(out, "/trend", form)
    })
    .await
}
