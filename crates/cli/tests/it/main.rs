//! All integration tests, in one binary. Each database test runs on SQLite and on PostgreSQL.
#![expect(clippy::expect_used, clippy::panic, reason = "tests: a failed expectation is a failed test")]

mod access;
mod accountability;
mod activities;
mod api;
mod audit;
mod auth;
mod browser;
mod bulletins;
mod cabins;
mod checkin;
mod cli;
mod consultations;
mod imports;
mod kit;
mod loans;
mod messages;
mod operations;
mod people;
mod pickers;
mod platforms;
mod portal;
mod registry;
mod reliability;
mod reviews;
mod second_factor;
mod security;
mod selection;
mod self_orgs;
mod services;
mod stations;
mod stats;
mod volunteering;
