use super::*;

fn users() -> Vec<User> {
    let u = |sam: &str, id: Option<&str>| {
        let mut u = User::sample(sam, sam, "X");
        u.employee_id = id.map(String::from);
        u
    };
    vec![
        u("anna", Some("E1")),
        u("bert", Some("E2")),
        u("carl", Some("E3")),
        u("dora", Some("E4")),
        u("twin1", Some("E9")),
        u("twin2", Some("E9")),
        u("nokey", None),
    ]
}

fn folder() -> (PathBuf, Vec<PhotoFile>) {
    let dir = PathBuf::from("/photos");
    let files = ["a.jpg", "b.jpg", "c.png", "d.jpg", "sub/e.jpg", "z.jpg"]
        .iter()
        .map(|n| PhotoFile::from_path(dir.join(n)))
        .collect();
    (dir, files)
}

fn apply(csv: &str) -> Mapped {
    let (dir, files) = folder();
    MapFile::parse(csv.as_bytes())
        .unwrap()
        .apply(&dir, &files, &users(), &MatchOptions::default())
        .unwrap()
}

fn problems(m: &Mapped) -> Vec<(usize, Problem)> {
    m.bad_rows
        .iter()
        .map(|b| (b.row, b.problem.clone()))
        .collect()
}

#[test]
fn good_rows_become_matches_in_either_column_order_and_delimiter() {
    for csv in [
        "employeeID,file\nE1,a.jpg\ne2,./b.jpg\nE4,/photos/d.jpg\nE3,sub/e.jpg\n",
        "file;EmployeeID\r\na.jpg;E1\r\n./b.jpg;e2\r\n/photos/d.jpg;E4\r\nsub/e.jpg;E3\r\n",
        "\u{FEFF}\"File\"\t\"employeeID\"\na.jpg\tE1\nb.jpg\tE2\n/photos/d.jpg\tE4\nsub/../sub/e.jpg\tE3\n\t\n",
    ] {
        let m = apply(csv);
        assert!(m.bad_rows.is_empty(), "{csv}: {:?}", m.bad_rows);
        let r = &m.result;
        assert_eq!(
            r.matched,
            [
                Match { file: 0, user: 0 },
                Match { file: 1, user: 1 },
                Match { file: 3, user: 3 },
                Match { file: 4, user: 2 },
            ],
            "{csv}"
        );
        assert_eq!(r.files_without_match, [2, 5]);
        assert_eq!(r.users_without_file, [4, 5, 6]);
        assert_eq!(r.users_without_key, [6]);
        assert!(r.ambiguous.is_empty());
    }
}

const EVERY_KIND: &str = "employeeID;file\n\
         E1;a.jpg\n\
         E2;missing.jpg\n\
         E77;b.jpg\n\
         E9;c.png\n\
         ;d.jpg\n\
         E3;\n\
         E4;z.jpg\n\
         E4;d.jpg\n\
         E2;sub/e.jpg\n\
         E3;sub/e.jpg\n\
         E1;a.jpg\n";

#[test]
fn every_kind_of_bad_row_is_listed_with_its_row_number() {
    let m = apply(EVERY_KIND);
    // Excel's line ends (CRLF) and old Macs' (CR) number the rows the same.
    assert_eq!(
        problems(&apply(&EVERY_KIND.replace('\n', "\r\n"))),
        problems(&m)
    );
    assert_eq!(
        problems(&apply(&EVERY_KIND.replace('\n', "\r"))),
        problems(&m)
    );
    assert_eq!(
        problems(&m),
        [
            (3, Problem::FileNotFound),
            (4, Problem::NoUser),
            (5, Problem::SeveralUsers(2)),
            (6, Problem::NoKey),
            (7, Problem::NoFile),
            (8, Problem::KeyTwice(vec![9])),
            (9, Problem::KeyTwice(vec![8])),
            (10, Problem::FileTwice(vec![11])),
            (11, Problem::FileTwice(vec![10])),
            (12, Problem::Repeats(2)),
        ]
    );
    // Only row 2 is used.
    assert_eq!(m.result.matched, [Match { file: 0, user: 0 }]);
    assert_eq!(m.result.files_without_match, [1, 2, 3, 4, 5]);
    let msgs: Vec<&str> = m.bad_rows.iter().map(|b| b.message.as_str()).collect();
    assert!(
        msgs[0].starts_with("row 3: the file 'missing.jpg' is not among"),
        "{msgs:?}"
    );
    assert_eq!(msgs[1], "row 4: no user has employeeID 'E77'");
    assert!(msgs[2].starts_with("row 5: 2 users have employeeID 'E9'"));
    assert_eq!(
        msgs[5],
        "row 8: employeeID 'E4' is also given another file on row 9: neither row is used"
    );
    assert_eq!(msgs[9], "row 12: repeats row 2");
}

#[test]
fn header_errors_are_errors_with_advice() {
    let e = |s: &str| MapFile::parse(s.as_bytes()).unwrap_err();
    assert_eq!(e(""), MapError::Empty);
    assert_eq!(e("\u{FEFF}\n\n"), MapError::Empty);
    assert!(matches!(
        e("employeeID,photo_name\n"),
        MapError::NoFileColumn { .. }
    ));
    assert!(matches!(e("file\na.jpg\n"), MapError::Columns { .. }));
    assert!(matches!(
        e("file,employeeID,mail\n"),
        MapError::Columns { .. }
    ));
    let err = e("file,favouriteColour\n");
    assert!(matches!(err, MapError::NotAnAttribute { .. }));
    assert!(err.to_string().contains("employeeID"), "{err}");
    // Aliases and any case.
    let m = MapFile::parse(b"Login;File name\njdoe;x.jpg\n").unwrap();
    assert_eq!(m.attribute, "sAMAccountName");
    assert_eq!(
        m.rows,
        [MapRow {
            row: 2,
            file: "x.jpg".into(),
            key: "jdoe".into()
        }]
    );
    assert_eq!(m.pattern().to_string(), "{sAMAccountName}");
    // No user has the attribute at all: said once, not once a row.
    let (dir, files) = folder();
    let m = MapFile::parse(b"employeeNumber,file\n1,a.jpg\n").unwrap();
    assert!(matches!(
        m.apply(&dir, &files, &users(), &MatchOptions::default()),
        Err(MapError::NoUserHasIt { .. })
    ));
}

#[test]
fn latin1_and_short_rows_never_panic() {
    let m = MapFile::parse(b"employeeID;file\nE1;M\xfcller.jpg\nE2\n").unwrap();
    assert_eq!(m.rows[0].file, "Müller.jpg");
    assert_eq!(m.rows[1].file, "");
    let (dir, files) = folder();
    let r = m
        .apply(&dir, &files, &users(), &MatchOptions::default())
        .unwrap();
    assert_eq!(
        problems(&r),
        [(2, Problem::FileNotFound), (3, Problem::NoFile)]
    );
}

#[test]
fn a_name_in_another_case_finds_the_file() {
    let m = apply("employeeID,file\nE1,A.JPG\n");
    assert_eq!(m.result.matched, [Match { file: 0, user: 0 }]);
}
