//! All integration tests, in one binary. Each database test runs on SQLite and on PostgreSQL.

mod access;
mod api;
mod audit;
mod auth;
mod browser;
mod cli;
mod security;
