//! Re-embeds migrations when a migration folder is added or changed (`embed_migrations!` alone
//! does not notice new folders).

fn main() {
    println!("cargo:rerun-if-changed=../migrations");
    println!("cargo:rerun-if-changed=../migrations/sqlite");
    println!("cargo:rerun-if-changed=../migrations/postgres");
}
