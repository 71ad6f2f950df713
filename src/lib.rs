//! kumiai: Japanese labour-union documents in, answers out.
//!
//! The pipeline stages, one module each, in the order data flows:
//! [`ingest`] → [`normalize`] → [`segment`] → [`analyze`] → [`index`] → [`search`] / [`themes`] / [`compare`] / [`trend`] → [`report`].
//! The types passed between stages are the contracts: [`ingest::Document`],
//! [`segment::Unit`], [`analyze::Token`], [`search::Hit`].

pub mod analyze;
pub mod cli;
pub mod compare;
pub mod corpus;
pub mod form;
pub mod index;
pub mod ingest;
pub mod lexicon;
pub mod normalize;
pub mod report;
pub mod search;
pub mod segment;
pub mod serve;
pub mod themes;
pub mod trend;
pub mod warning;
