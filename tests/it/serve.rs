//! `kumiai serve` over real HTTP on 127.0.0.1: the real binary on a copy of the bundled corpus
//! (plus one document holding markup), every page and export, the door (Host check, CSP,
//! bounds), privacy, Ctrl-C and a taken port; then Debian's chromium driven through
//! chromedriver (WebDriver) as a user would: type 未加入者, click a facet, open KWIC, download
//! the XLSX, with a screenshot kept under target/ for a human.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{corpus, kumiai, respondent_names, squeeze};
use serde_json::{Value, json};

/// A document whose text is markup: it must reach the browser as text.
const SCRIPT_DOC: &str = "第1章 検証用\n<script>alert('kumiai')</script>の文字列は未加入者対策の本文として表示されるだけである。\n";

/// The bundled corpus plus [`SCRIPT_DOC`], listed in the manifest.
fn scratch_corpus() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(corpus()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    std::fs::write(dir.path().join("markup-test.txt"), SCRIPT_DOC).unwrap();
    let mut manifest = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.path().join("kumiai.toml"))
        .unwrap();
    writeln!(
        manifest,
        "\n[[document]]\nfile = \"markup-test.txt\"\nid = \"markup-test\"\norg = \"検証\"\nyear = \"2025\"\nkind = \"report\"\ntitle = \"<b>題</b>の検証\""
    )
    .unwrap();
    dir
}

/// A running `kumiai serve`, killed when dropped.
struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    base: String,
    port: u16,
    _index: tempfile::TempDir,
}

impl Server {
    fn start(corpus: &Path, port: u16) -> Server {
        let index = tempfile::tempdir().unwrap();
        let mut child = kumiai()
            .args(["--corpus", corpus.to_str().unwrap(), "serve", "--port"])
            .arg(port.to_string())
            .arg("--index")
            .arg(index.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn kumiai serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .trim_end_matches('/')
            .to_string();
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        let port = base.rsplit(':').next().unwrap().parse().unwrap();
        Server {
            child,
            base,
            port,
            _index: index,
        }
    }

    fn get(&self, path_and_query: &str) -> Reply {
        let url = format!("{}{path_and_query}", self.base);
        let mut response = ureq::get(&url)
            .config()
            .http_status_as_error(false)
            .build()
            .call()
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        Reply::from(&mut response)
    }

    fn post_form(&self, path: &str, pairs: &[(&str, &str)]) -> Reply {
        let url = format!("{}{path}", self.base);
        let mut response = ureq::post(&url)
            .config()
            .http_status_as_error(false)
            .build()
            .send_form(pairs.iter().copied())
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        Reply::from(&mut response)
    }

    /// A request with a raw `Host` header, as a page of another site would send after DNS
    /// rebinding: the status line.
    fn status_with_host(&self, host: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            stream,
            "GET /?q=%E6%9C%AA%E5%8A%A0%E5%85%A5%E8%80%85 HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        reply.lines().next().unwrap_or_default().to_string()
    }

    /// Ctrl-C: the server stops cleanly.
    fn interrupt(mut self) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-INT", &pid])
                .status()
                .unwrap()
                .success()
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut stderr = String::new();
                self.child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut stderr)
                    .unwrap();
                return (status.code(), stderr);
            }
            assert!(Instant::now() < deadline, "serve did not stop on SIGINT");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn from(response: &mut ureq::http::Response<ureq::Body>) -> Reply {
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        Reply {
            status: response.status().as_u16(),
            headers,
            body: response
                .body_mut()
                .with_config()
                .limit(50 << 20)
                .read_to_vec()
                .unwrap(),
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map_or("", |(_, v)| v.as_str())
    }
}

fn q(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The number before 「件ヒット」 on a search page.
fn hit_count(page: &str) -> usize {
    let at = page.find(" 件ヒット").expect("a hit count");
    let digits: String = page[..at]
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.chars().rev().collect::<String>().parse().unwrap()
}

/// The `href` of the first `<a class="facet" …>` whose text is `label`.
fn facet_href(page: &str, label: &str) -> String {
    let anchor = format!(">{label}</a>");
    let end = page
        .find(&anchor)
        .unwrap_or_else(|| panic!("no facet {label}"));
    let start = page[..end].rfind("href=\"").unwrap() + "href=\"".len();
    let href = &page[start..end];
    href[..href.find('"').unwrap()].replace("&amp;", "&")
}

#[test]
fn pages_exports_and_the_door_over_http() {
    let dir = scratch_corpus();
    let server = Server::start(dir.path(), 0);

    // 検索: grouped hits with the match marked, facets, the expansion line, the headers.
    let page = server.get(&format!("/?q={}", q("未加入者")));
    assert_eq!(page.status, 200);
    let csp = page.header("content-security-policy");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(!csp.contains("script-src"), "no script is allowed: {csp}");
    assert_eq!(page.header("x-content-type-options"), "nosniff");
    let text = page.text();
    assert!(text.contains("<mark>未加入者</mark>"), "matches marked");
    let all = hit_count(&text);
    assert!(all >= 5, "{all} hits");
    for label in ["組織", "年度", "種別", "県本部", "単組", "設問"] {
        assert!(text.contains(&format!("<h3>{label}</h3>")), "facet {label}");
    }
    // The same ranking as the CLI: the first document heading is the CLI's first document.
    let cli = kumiai()
        .args([
            "--corpus",
            dir.path().to_str().unwrap(),
            "search",
            "未加入者",
            "--format",
            "json",
            "--index",
        ])
        .arg(server._index.path())
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&cli.stdout).unwrap();
    let first_doc = json["hits"][0]["doc"].as_str().unwrap();
    let first_heading = text.find("<h2 class=\"doc\">").unwrap();
    assert!(
        text[first_heading..]
            .split("</h2>")
            .next()
            .unwrap()
            .contains(first_doc),
        "the page's first document is the CLI's, {first_doc}"
    );
    assert_eq!(json["total"].as_u64().unwrap() as usize, all);

    // A facet narrows: the survey's kind facet keeps the survey hits only.
    let narrowed = server.get(&facet_href(&text, "survey"));
    assert_eq!(narrowed.status, 200);
    let some = hit_count(&narrowed.text());
    assert!(0 < some && some < all, "{some} of {all}");
    // 自治労 is not 自治労連: its organisation facet leaves the 自治労連 documents out.
    let wide = server.get(&format!("/?q={}", q("組織")));
    assert!(
        wide.text().contains("[自治労連埼玉県本部"),
        "both organisations hit"
    );
    let org = server.get(&facet_href(&wide.text(), "自治労"));
    assert!(org.text().contains("[自治労 "), "{}", org.text());
    assert!(
        !org.text().contains("[自治労連"),
        "自治労's facet shows no 自治労連 document"
    );

    // KWIC, sorted by the left context.
    let kwic = server.get(&format!("/?q={}&view=kwic&sort=left", q("未加入者")));
    assert!(kwic.text().contains("<table class=\"kwic\">"));
    let rows = kwic.text().matches("<td class=\"l\">").count();
    let exact = kwic.text().matches("<mark>未加入者</mark>").count();
    assert!(
        rows >= all && exact * 2 >= all,
        "{rows} rows, {exact} exact, {all} hits"
    );

    // Pagination is a link with the query kept.
    let p2 = server.get(&format!("/?q={}&offset=1", q("組合")));
    assert_eq!(p2.status, 200);
    assert!(p2.text().contains("← 前へ"));

    // A query error is shown at its position, as the CLI shows it.
    let bad = server.get(&format!("/?q={}", q("未加入者 year:20x5")));
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("invalid query"), "{}", bad.text());
    assert!(bad.text().contains("^ "));

    // Exports: the CLI's writers, as downloads.
    let xlsx = server.get(&format!("/export?q={}&format=xlsx", q("未加入者")));
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.body.starts_with(b"PK"), "an XLSX (zip) file");
    assert!(xlsx.header("content-disposition").contains("attachment"));
    let csv = server.get(&format!("/export?q={}&format=csv&kwic=1", q("未加入者")));
    assert!(csv.text().contains("左文脈"));

    // The document view, reached from a hit, marks the unit.
    let href = text.split("href=\"/doc?").nth(1).unwrap();
    let href = format!("/doc?{}", &href[..href.find('"').unwrap()]).replace("&amp;", "&");
    let doc = server.get(&href);
    assert_eq!(doc.status, 200);
    assert!(doc.text().contains("class=\"here\""));

    // Markup in a document, and in its title, stays text.
    let markup = server.get(&format!("/?q={}", q("文字列")));
    let m = markup.text();
    assert!(m.contains("&lt;script&gt;alert("), "escaped: {m}");
    assert!(!m.contains("<script>"), "no live script");
    assert!(!m.contains("<b>題</b>"));
    let markup_doc = server.get("/doc?id=markup-test");
    assert!(!markup_doc.text().contains("<script>"));

    // テーマ, コードブック (rules pasted; an error at its line and column), 比較, 語の推移.
    let themes = server.get(&format!(
        "/themes?question={}&by={}",
        q("悩んでいること"),
        q("県本部")
    ));
    assert_eq!(themes.status, 200, "{}", themes.text());
    assert!(themes.text().contains("テーマ分析"));
    assert!(
        themes.text().contains("図1　共起ネットワーク。"),
        "the pictures too"
    );
    let codes = server.post_form(
        "/codebook",
        &[("rules", "＊多忙\n忙しい or 多忙\n"), ("by", "県本部")],
    );
    assert_eq!(codes.status, 200, "{}", codes.text());
    assert!(codes.text().contains("多忙"));
    let broken = server.post_form("/codebook", &[("rules", "＊多忙\n(忙しい or\n")]);
    assert_eq!(broken.status, 400);
    assert!(broken.text().contains("line 2"), "{}", broken.text());
    let compare = server.get("/compare?old=jichiroren-saitama-2024&new=markup-test");
    let compare_text = compare.text();
    assert_eq!(compare.status, 200, "{compare_text}");
    assert!(compare_text.contains("新旧対照表"));
    assert!(!compare_text.contains("<script>"));
    let by_years = server.get(&format!("/compare?org={}&years=2025,2025", q("検証")));
    assert_eq!(by_years.status, 200, "{}", by_years.text());
    assert!(by_years.text().contains("新旧対照表"));
    let no_year = server.get(&format!(
        "/compare?org={}&years=2024,2025",
        q("自治労連埼玉県本部")
    ));
    assert_eq!(no_year.status, 400);
    assert!(
        no_year
            .text()
            .contains("no document of 自治労連埼玉県本部 for 2025")
    );
    let docx =
        server.get("/compare/export?old=jichiroren-saitama-2024&new=markup-test&format=docx");
    assert!(docx.body.starts_with(b"PK"));
    let survey = server.get("/compare?old=jichiro-survey-2024&new=markup-test");
    assert_eq!(survey.status, 400, "a survey is never compared");
    assert!(survey.text().contains("is a survey"));
    let trend = server.get(&format!("/trend?terms={}", q("自治労 自治労連")));
    assert_eq!(trend.status, 200);
    assert!(trend.text().contains("出現頻度の推移"));

    // No page or export names a respondent.
    let names: Vec<String> = respondent_names().iter().map(|n| squeeze(n)).collect();
    assert_eq!(names.len(), 19);
    let survey_doc = server.get("/doc?id=jichiro-survey-2024");
    for (what, reply) in [
        ("search", &page),
        ("kwic", &kwic),
        ("doc", &survey_doc),
        ("themes", &themes),
        ("codebook", &codes),
        ("csv", &csv),
    ] {
        let body = squeeze(&reply.text());
        for name in &names {
            assert!(!body.contains(name.as_str()), "{what} shows a name");
        }
    }
    assert_eq!(survey_doc.status, 200);

    // The door: another host name (DNS rebinding), a method that writes, an endless query.
    assert!(server.status_with_host("evil.example:80").contains("421"));
    assert!(
        server
            .status_with_host(&format!("localhost:{}", server.port))
            .contains("200")
    );
    let put = ureq::put(format!("{}/", server.base))
        .config()
        .http_status_as_error(false)
        .build()
        .send("x")
        .unwrap();
    assert_eq!(put.status().as_u16(), 405);
    let long = "未".repeat(2_500);
    let too_long = server.get(&format!("/?q={}", q(&long)));
    assert!(matches!(too_long.status, 400 | 414), "{}", too_long.status);
    assert_eq!(server.get("/nowhere").status, 404);

    // `kumiai index` run beside the server: its next page reads the new commit.
    let word = "ヌポポロン";
    assert_eq!(
        hit_count(&server.get(&format!("/?q={}", q(word))).text()),
        0
    );
    std::fs::write(
        dir.path().join("added-later.txt"),
        format!("第1章\n{word}を含む一文である。\n"),
    )
    .unwrap();
    let indexed = kumiai()
        .args(["--corpus", dir.path().to_str().unwrap(), "index", "--index"])
        .arg(server._index.path())
        .output()
        .unwrap();
    assert_eq!(
        indexed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&indexed.stderr)
    );
    let after = server.get(&format!("/?q={}", q(word)));
    assert_eq!(hit_count(&after.text()), 1, "the new commit is read");
    assert_eq!(
        server.get("/doc?id=added-later").status,
        200,
        "and the document view follows"
    );

    // A second server on the same port says so; Ctrl-C stops the first cleanly.
    let taken = kumiai()
        .args(["--corpus", dir.path().to_str().unwrap(), "serve", "--port"])
        .arg(server.port.to_string())
        .arg("--index")
        .arg(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert_eq!(taken.status.code(), Some(2));
    let message = String::from_utf8_lossy(&taken.stderr);
    assert!(message.contains("is in use"), "{message}");
    let (code, stderr) = server.interrupt();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("stopped"), "{stderr}");
}

/// A WebDriver session on Debian's chromium (headless), through chromedriver.
struct Browser {
    driver: Child,
    url: String,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    fn start(downloads: &Path) -> Browser {
        let chromedriver = Path::new("/usr/bin/chromedriver");
        assert!(
            chromedriver.exists(),
            "the browser test needs Debian's chromium and chromium-driver: apt-get install chromium chromium-driver (.ci/run does)"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while ureq::get(format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(200));
        }
        let profile = downloads.join("profile");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                         "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync",
                         "--window-size=1280,1600",
                         format!("--user-data-dir={}", profile.display())],
                "prefs": {"download.default_directory": downloads.to_str().unwrap(),
                          "download.prompt_for_download": false}
            }
        }}});
        let session: Value = ureq::post(format!("{base}/session"))
            .send_json(&caps)
            .expect("a chromium session")
            .body_mut()
            .read_json()
            .unwrap();
        let id = session["value"]["sessionId"].as_str().unwrap().to_string();
        let browser = Browser {
            driver,
            url: format!("{base}/session/{id}"),
        };
        browser.call(
            "/chromium/send_command",
            json!({"cmd": "Page.setDownloadBehavior",
                   "params": {"behavior": "allow", "downloadPath": downloads.to_str().unwrap()}}),
        );
        browser
    }

    fn call(&self, path: &str, body: Value) -> Value {
        let mut r = ureq::post(format!("{}{path}", self.url))
            .config()
            .http_status_as_error(false)
            .build()
            .send_json(&body)
            .unwrap();
        let v: Value = r.body_mut().read_json().unwrap();
        v["value"].clone()
    }

    fn get(&self, path: &str) -> Value {
        let v: Value = ureq::get(format!("{}{path}", self.url))
            .call()
            .unwrap()
            .body_mut()
            .read_json()
            .unwrap();
        v["value"].clone()
    }

    fn open(&self, url: &str) {
        self.call("/url", json!({ "url": url }));
    }

    /// The first element matching the CSS selector, waiting up to 10 s for it.
    fn find(&self, using: &str, value: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found = self.call("/element", json!({"using": using, "value": value}));
            if let Some(id) = found[ELEMENT].as_str() {
                return id.to_string();
            }
            assert!(Instant::now() < deadline, "no element {value}: {found}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn text(&self, element: &str) -> String {
        self.get(&format!("/element/{element}/text"))
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn click(&self, element: &str) {
        self.call(&format!("/element/{element}/click"), json!({}));
    }

    fn source(&self) -> String {
        self.get("/source").as_str().unwrap_or_default().to_string()
    }

    fn screenshot(&self, path: &Path) {
        use base64::Engine;
        let png = self.get("/screenshot");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        assert!(bytes.len() > 20_000, "a screenshot with content");
        std::fs::write(path, bytes).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = ureq::delete(&self.url).call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The count line's number, as the browser renders it.
fn count_in(text: &str) -> usize {
    hit_count(&format!("{text} "))
}

#[test]
fn a_researcher_searches_filters_and_downloads_in_chromium() {
    let dir = scratch_corpus();
    let server = Server::start(dir.path(), 0);
    let downloads = tempfile::tempdir().unwrap();
    let browser = Browser::start(downloads.path());

    browser.open(&format!("{}/", server.base));
    let input = browser.find("css selector", "input[name=q]");
    browser.call(
        &format!("/element/{input}/value"),
        json!({"text": "未加入者\u{E007}"}),
    );
    let count = browser.find("xpath", "//p[contains(., '件ヒット')]");
    let all = count_in(&browser.text(&count));
    assert!(all >= 5, "hits shown: {all}");
    assert!(browser.source().contains("<mark>未加入者</mark>"));
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    browser.screenshot(&shots.join("serve-search.png"));

    // A facet: the survey kind; the count drops.
    let facet = browser.find(
        "xpath",
        "//div[@class='facets']//a[normalize-space()='survey']",
    );
    browser.click(&facet);
    let deadline = Instant::now() + Duration::from_secs(10);
    let narrowed = loop {
        let count = browser.find("xpath", "//p[contains(., '件ヒット')]");
        let n = count_in(&browser.text(&count));
        if n != all || Instant::now() > deadline {
            break n;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(0 < narrowed && narrowed < all, "{narrowed} of {all}");

    // KWIC.
    let tab = browser.find("partial link text", "KWIC");
    browser.click(&tab);
    browser.find("css selector", "table.kwic td.l");
    browser.screenshot(&shots.join("serve-kwic.png"));

    // The XLSX download.
    let xlsx = browser.find("partial link text", "XLSX");
    browser.click(&xlsx);
    let deadline = Instant::now() + Duration::from_secs(30);
    let file = loop {
        let done = std::fs::read_dir(downloads.path())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "xlsx"));
        if let Some(f) = done {
            break f;
        }
        assert!(Instant::now() < deadline, "no XLSX downloaded");
        std::thread::sleep(Duration::from_millis(200));
    };
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"PK"), "{}", file.display());
    eprintln!("screenshots: {}", shots.display());
}
