//! The registry: the org tree, regions and their youth populations, the sector dictionary, people
//! (with their encrypted ID numbers and phones, and children's records), positions, the work
//! force's kept periods, and the data-quality work list.

pub mod minors;
pub mod orgs;
pub mod partners;
pub mod people;
pub mod pick;
pub mod positions;
pub mod quality;
pub mod regions;
pub mod sectors;
pub mod self_orgs;
pub mod workforce;
