//! A phrase query that is never asked to step back.
//!
//! tantivy 0.27's `PhraseScorer` asserts that `seek_danger` targets a document at or after
//! its current one (tantivy issue #2811), but an exclusion (`組合 -自治労`) asks the excluded
//! phrase about the first candidate even when the phrase's first match comes later. Debug
//! builds then panic, depending on how documents fell into segments. Wrapped in [`Forward`],
//! such a question is answered from where the scorer stands, as the `DocSet` contract allows.

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term};

#[derive(Debug)]
pub(super) struct Forward(pub(super) Box<dyn Query>);

impl Clone for Forward {
    fn clone(&self) -> Self {
        Self(self.0.box_clone())
    }
}

impl Query for Forward {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(ForwardWeight(self.0.weight(enable_scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor)
    }
}

struct ForwardWeight(Box<dyn Weight>);

impl Weight for ForwardWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(ForwardScorer(self.0.scorer(reader, boost)?)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

struct ForwardScorer(Box<dyn Scorer>);

impl DocSet for ForwardScorer {
    fn advance(&mut self) -> DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        let doc = self.0.doc();
        if doc >= target {
            doc
        } else {
            self.0.seek(target)
        }
    }

    // `seek_danger` keeps the trait's default, which seeks only forward.

    fn doc(&self) -> DocId {
        self.0.doc()
    }

    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }

    fn cost(&self) -> u64 {
        self.0.cost()
    }
}

impl Scorer for ForwardScorer {
    fn score(&mut self) -> Score {
        self.0.score()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::query::{BooleanQuery, Occur, PhraseQuery, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{Index, SeekDangerResult, TantivyDocument, collector::DocSetCollector};

    /// Documents 0 and 1 hold 組合 only; 2 and 3 also the phrase 自治 労.
    fn index() -> (Index, tantivy::schema::Field) {
        let mut schema = Schema::builder();
        let text = schema.add_text_field("text", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index
            .writer_with_num_threads(1, 15_000_000)
            .expect("writer");
        for t in ["組合 a", "組合 b", "組合 自治 労", "自治 労 組合"] {
            let mut d = TantivyDocument::default();
            d.add_text(text, t);
            writer.add_document(d).expect("add");
        }
        writer.commit().expect("commit");
        (index, text)
    }

    fn phrase(text: tantivy::schema::Field) -> PhraseQuery {
        PhraseQuery::new(vec![
            Term::from_field_text(text, "自治"),
            Term::from_field_text(text, "労"),
        ])
    }

    #[test]
    fn answers_a_question_about_an_earlier_document() {
        let (index, text) = index();
        let searcher = index.reader().expect("reader").searcher();
        let weight = Forward(Box::new(phrase(text)))
            .weight(EnableScoring::disabled_from_searcher(&searcher))
            .expect("weight");
        let mut scorer = weight
            .scorer(searcher.segment_reader(0), 1.0)
            .expect("scorer");
        assert_eq!(scorer.doc(), 2);
        assert_eq!(scorer.seek_danger(0), SeekDangerResult::SeekLowerBound(2));
        assert_eq!(scorer.seek(1), 2);
        assert_eq!(scorer.seek_danger(3), SeekDangerResult::Found);
    }

    /// 組合 without the phrase: the exclusion asks the phrase about document 0 first.
    #[test]
    fn excluded_phrase_leaves_the_other_documents() {
        let (index, text) = index();
        let searcher = index.reader().expect("reader").searcher();
        let query = BooleanQuery::new(vec![
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(text, "組合"),
                    IndexRecordOption::Basic,
                )) as Box<dyn Query>,
            ),
            (Occur::MustNot, Box::new(Forward(Box::new(phrase(text))))),
        ]);
        let docs = searcher.search(&query, &DocSetCollector).expect("search");
        let mut ids: Vec<DocId> = docs.iter().map(|d| d.doc_id).collect();
        ids.sort_unstable();
        assert_eq!(ids, [0, 1]);
    }
}
