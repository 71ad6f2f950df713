//! Canonical branch names: 岩手 / 岩手県 / 岩手県本部 are one 県本部.
//!
//! Respondents write their 県本部 as they like (the bundled survey has 17 spellings of 14
//! prefectures), and grouping, `branch:` filters and χ² cross-tabs need one key per branch.
//! The 都道府県 suffix and 本部 are folded here; the manifest's `[branches]` table maps the
//! rest (`"札幌" = "北海道"`). The name as written is kept beside the key for display.

use std::collections::BTreeMap;

use unicode_normalization::UnicodeNormalization;

/// The 47 prefectures with their suffix, the canonical form of a 県本部.
const PREFECTURES: &[&str] = &[
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

/// How branch names are made canonical: the built-in prefecture folding plus the manifest's
/// aliases (written name → canonical name).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BranchNames {
    aliases: BTreeMap<String, String>,
}

impl BranchNames {
    /// Aliases are matched after width folding and trimming, as the names they map are.
    pub fn new(aliases: &BTreeMap<String, String>) -> Self {
        Self {
            aliases: aliases
                .iter()
                .map(|(from, to)| (fold(from), to.trim().to_string()))
                .collect(),
        }
    }

    /// The canonical 県本部 (outermost branch): an alias if one is given, else the
    /// prefecture with its suffix (岩手・岩手県・岩手県本部 → 岩手県; 東京 → 東京都; 京都 → 京都府;
    /// 北海道本部 → 北海道), else the name as written.
    pub fn prefecture(&self, written: &str) -> String {
        let key = fold(written);
        if let Some(to) = self.aliases.get(&key) {
            return to.clone();
        }
        prefecture_of(&key).map_or_else(|| written.trim().to_string(), str::to_string)
    }

    /// The canonical name of an inner branch (単組, 支部): its alias, else as written.
    pub fn local(&self, written: &str) -> String {
        self.aliases
            .get(&fold(written))
            .cloned()
            .unwrap_or_else(|| written.trim().to_string())
    }
}

/// NFKC (full-width letters and digits folded), trimmed, inner spaces removed: 「岩手　県」 is 岩手県.
fn fold(s: &str) -> String {
    s.nfkc().filter(|c| !c.is_whitespace()).collect()
}

/// The prefecture a folded name stands for: the full name, the name without 都/府/県, either
/// followed by 本部.
fn prefecture_of(name: &str) -> Option<&'static str> {
    let name = name.strip_suffix("本部").unwrap_or(name);
    PREFECTURES
        .iter()
        .copied()
        .find(|&p| p == name || (p != "北海道" && p.strip_suffix(['都', '府', '県']) == Some(name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_suffixes_and_honbu() {
        let names = BranchNames::default();
        for written in ["岩手", "岩手県", "岩手県本部", " 岩手県 ", "岩手本部"] {
            assert_eq!(names.prefecture(written), "岩手県", "{written}");
        }
        assert_eq!(names.prefecture("北海道"), "北海道");
        assert_eq!(names.prefecture("北海道本部"), "北海道");
        assert_eq!(names.prefecture("東京"), "東京都");
        assert_eq!(names.prefecture("東京都本部"), "東京都");
        assert_eq!(names.prefecture("京都"), "京都府");
        assert_eq!(names.prefecture("京都府本部"), "京都府");
        assert_eq!(names.prefecture("大阪"), "大阪府");
        assert_eq!(names.prefecture("神奈川"), "神奈川県");
        assert_eq!(names.prefecture("鹿児島県本部"), "鹿児島県");
    }

    #[test]
    fn leaves_other_names_as_written() {
        let names = BranchNames::default();
        // Not a prefecture: kept, so a typo is seen rather than guessed.
        assert_eq!(names.prefecture("岩出"), "岩出");
        assert_eq!(names.prefecture("北海"), "北海");
        assert_eq!(names.prefecture("県"), "県");
        assert_eq!(names.local("奥州市職労"), "奥州市職労");
    }

    #[test]
    fn aliases_map_the_rest() {
        let aliases = BTreeMap::from([
            ("札幌".to_string(), "北海道".to_string()),
            ("奥州市職".to_string(), "奥州市職労".to_string()),
        ]);
        let names = BranchNames::new(&aliases);
        assert_eq!(names.prefecture("札幌"), "北海道");
        assert_eq!(names.prefecture("札幌　"), "北海道");
        assert_eq!(names.local("奥州市職"), "奥州市職労");
        assert_eq!(names.prefecture("岩手"), "岩手県");
    }
}
