//! kumiai: Japanese labour-union documents in, answers out.
//!
//! The pipeline stages, in the order data flows:
//! ingest → normalize → segment → analyze → index → search / themes / compare → report.
