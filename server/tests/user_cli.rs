//! `server user add` / `server user reset` on a real SQLite file.

mod common;

use common::{database, server};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn accounts_are_created_checked_and_reset_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let setup = server(
        &db,
        &[
            "municipality",
            "add",
            "--name",
            "Teststadt",
            "--region",
            "Ruhr",
        ],
    );
    assert!(setup.status.success(), "{}", text(&setup.stderr));

    // A generated password is printed once.
    let add = server(
        &db,
        &[
            "user",
            "add",
            "--email",
            "Admin@Example.org",
            "--name",
            "Admin",
            "--role",
            "admin",
        ],
    );
    assert!(add.status.success(), "{}", text(&add.stderr));
    let out = text(&add.stdout);
    assert!(
        out.contains("account admin@example.org created with role admin"),
        "{out}"
    );
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("password (shown only now): "))
        .expect("a generated password");
    assert_eq!(password.len(), 23, "two grouped codes: {password}");

    // The same address again, in another case: refused.
    let again = server(
        &db,
        &[
            "user",
            "add",
            "--email",
            "admin@example.org",
            "--name",
            "X",
            "--role",
            "admin",
        ],
    );
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("exists already"),
        "{}",
        text(&again.stderr)
    );

    // Each role names what it needs.
    for (args, message) in [
        (
            vec!["--role", "coordinator"],
            "needs exactly one --municipality",
        ),
        (vec!["--role", "regional"], "needs --region"),
        (
            vec!["--role", "trainer"],
            "needs at least one --municipality",
        ),
        (
            vec!["--role", "school_contact", "--municipality", "Teststadt"],
            "needs --school",
        ),
        (
            vec!["--role", "coordinator", "--municipality", "Nirgendwo"],
            "no municipality named",
        ),
        (vec!["--role", "chef"], "unknown role"),
    ] {
        let mut full = vec!["user", "add", "--email", "x@example.org", "--name", "X"];
        full.extend(args);
        let output = server(&db, &full);
        assert!(!output.status.success(), "{full:?}");
        assert!(
            text(&output.stderr).contains(message),
            "{full:?}: {}",
            text(&output.stderr)
        );
    }
    let ok = server(
        &db,
        &[
            "user",
            "add",
            "--email",
            "r@example.org",
            "--name",
            "R",
            "--role",
            "regional",
            "--region",
            "Ruhr",
        ],
    );
    assert!(ok.status.success(), "{}", text(&ok.stderr));

    // Reset: a new password for an existing account only.
    let reset = server(&db, &["user", "reset", "--email", "ADMIN@example.org"]);
    assert!(reset.status.success(), "{}", text(&reset.stderr));
    assert!(text(&reset.stdout).contains("password (shown only now): "));
    let missing = server(&db, &["user", "reset", "--email", "nobody@example.org"]);
    assert!(!missing.status.success());
}
