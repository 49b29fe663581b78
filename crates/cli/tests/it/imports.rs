//! Imports: all or nothing, every problem as (row, column, message), ID numbers refused from
//! numeric cells, templates, the CLI with a dry run.

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use qingtuan_testkit::{TestApp, db_tests};
use rust_xlsxwriter::Workbook;

db_tests!(a_bad_row_rejects_the_whole_file_with_every_problem, orgs_people_and_positions_import_in_order);

/// A workbook whose cells are text, except numbers given as `#123` which are written as numbers.
fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in (0_u32..).zip(rows) {
        for (c, value) in (0_u16..).zip(row.iter()) {
            match value.strip_prefix('#') {
                Some(n) => sheet.write_number(r, c, n.parse::<f64>().expect("number")).map(|_| ()),
                None => sheet.write_string(r, c, *value).map(|_| ()),
            }
            .expect("write cell");
        }
    }
    book.save_to_buffer().expect("workbook")
}

const HEADER: &[&str] = &["姓名", "性别", "身份证号码", "手机号码"];

async fn a_bad_row_rejects_the_whole_file_with_every_problem(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    admin.get("/imports").await;
    let file = xlsx(&[
        HEADER,
        &["张三", "", "11010519491231002X", "13812345678"],
        &["李四", "男", "110105194912310021", "13812345679"],
        &["王五", "男", "#110105194912310000", ""],
        &["赵六", "女", "", "12345"],
        &["张三", "", "11010519491231002X", ""],
    ]);

    let res = admin.post_multipart("/imports", &[("kind", "people")], ("file", "people.xlsx", &file)).await;

    assert_eq!(res.status, 422, "{}", res.text());
    let html = res.text();
    assert!(html.contains("共 4 处问题，未写入任何数据"), "{html}");
    for (row, column, message) in [
        ("3", "身份证号码", "校验码不正确"),
        ("4", "身份证号码", "必须以文本格式填写"),
        ("5", "手机号码", "11 位"),
        ("6", "身份证号码", "与第 1 行的身份证号码重复"),
    ] {
        let cells = format!("<td>{row}</td><td>{column}</td><td>");
        assert!(html.contains(&cells), "row {row} {column}");
        assert!(html.contains(message), "{message}");
    }
    assert!(!admin.get("/people").await.text().contains("张三"), "nothing was written");

    let as_xlsx = admin
        .post_multipart("/imports", &[("kind", "people"), ("problems", "xlsx")], ("file", "people.xlsx", &file))
        .await;
    assert_eq!(as_xlsx.status, 200);
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(as_xlsx.body.to_vec())).expect("xlsx");
    let rows: Vec<Vec<String>> = book
        .worksheet_range("导入问题")
        .expect("sheet")
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[1][..2], ["3".to_owned(), "身份证号码".to_owned()]);

    let template = admin.get("/imports/templates/people.xlsx").await;
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(template.body.to_vec())).expect("template");
    let header: Vec<String> = book
        .worksheet_range("人员")
        .expect("sheet")
        .rows()
        .next()
        .expect("header")
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(header[..4], ["姓名", "性别", "出生日期", "身份证号码"]);
    // An instructions sheet: each column, required or not, and what it takes.
    let help: Vec<Vec<String>> = book
        .worksheet_range("填写说明")
        .expect("instructions")
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect();
    let row = |label: &str| help.iter().find(|r| r[0] == label).unwrap_or_else(|| panic!("{label} explained")).clone();
    assert_eq!(row("姓名")[1], "必填");
    assert_eq!(row("性别")[2], "从下拉列表中选择：男、女");
    assert!(row("身份证号码")[2].contains("文本格式"));
    // The gender column carries the drop-down (a list validation in the sheet).
    let mut zip = zip::ZipArchive::new(Cursor::new(template.body.to_vec())).expect("zip");
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/worksheets/sheet1.xml").expect("sheet1"), &mut xml)
        .expect("xml");
    assert!(xml.contains("<dataValidation type=\"list\"") && xml.contains("\"男,女\""), "{xml}");
}

async fn orgs_people_and_positions_import_in_order(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    admin.get("/imports").await;
    let orgs = "组织代码,组织名称,组织类型,上级组织代码,领域代码,成立日期\nN1,新建团委,团委,S1,non_public_enterprise,2022-01-05\nN2,新建团支部,团支部,N1,non_public_enterprise,2022-02-01\n";
    let dry = admin
        .post_multipart("/imports", &[("kind", "orgs"), ("dry_run", "1")], ("file", "orgs.csv", orgs.as_bytes()))
        .await;
    assert!(dry.text().contains("检查通过：2 行"), "{}", dry.text());
    assert!(!admin.get("/orgs").await.text().contains("新建团委"), "a dry run writes nothing");
    let done = admin.post_multipart("/imports", &[("kind", "orgs")], ("file", "orgs.csv", orgs.as_bytes())).await;
    assert!(done.text().contains("已导入 2 行组织数据"), "{}", done.text());

    let people = xlsx(&[HEADER, &["陈七", "", "11010519491231002X", "13812345678"]]);
    let res = admin.post_multipart("/imports", &[("kind", "people")], ("file", "people.xlsx", &people)).await;
    assert!(res.text().contains("已导入 1 行人员数据"));
    let positions = xlsx(&[
        &["身份证号码", "组织代码", "职务", "任职方式", "来源", "任职日期"],
        &["11010519491231002X", "N2", "书记", "兼职", "两委委员", "2022-03-01"],
    ]);
    let res = admin.post_multipart("/imports", &[("kind", "positions")], ("file", "positions.xlsx", &positions)).await;
    assert!(res.text().contains("已导入 1 行职务数据"), "{}", res.text());

    // A street admin cannot import into another street.
    t.create_user("s2admin", "org_admin", "S2").await;
    let street = t.login("s2admin").await;
    street.get("/imports").await;
    let outside = "组织代码,组织名称,组织类型,上级组织代码\nN3,越权团支部,团支部,N1\n";
    let res = street.post_multipart("/imports", &[("kind", "orgs")], ("file", "orgs.csv", outside.as_bytes())).await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("上级组织不在您的数据范围内"));
}

#[test]
fn the_cli_imports_with_a_dry_run_and_writes_a_problem_list() {
    let dir = std::env::temp_dir().join(format!("qingtuan-cli-import-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let data = dir.join("data");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_qingtuan"))
            .args(args)
            .arg("--data-dir")
            .arg(&data)
            .env("QINGTUAN_LOG", "error")
            .output()
            .expect("run")
    };
    assert!(run(&["org", "create", "CY", "团区委", "--kind", "district_committee"]).status.success());
    let good = dir.join("people.csv");
    std::fs::write(&good, "姓名,性别,身份证号码\n张三,,11010519491231002X\n").expect("write");
    let dry = run(&["import", "people", good.to_str().expect("path"), "--dry-run"]);
    assert!(
        String::from_utf8_lossy(&dry.stdout).contains("检查通过（未写入）：1 行人员"),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let real = run(&["import", "people", good.to_str().expect("path")]);
    assert!(String::from_utf8_lossy(&real.stdout).contains("已导入：1 行人员"));
    let again = run(&["import", "people", good.to_str().expect("path")]);
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("第 2 行 “身份证号码”：该身份证号码已登记"), "{stderr}");
    // The problem list repeats the bad row under the file's own headers.
    let mut book: Xlsx<_> = calamine::open_workbook(dir.join("people.problems.xlsx")).expect("problems");
    let rows = book.worksheet_range_at(0).expect("sheet").expect("range");
    let cells: Vec<Vec<String>> = rows.rows().map(|r| r.iter().map(ToString::to_string).collect()).collect();
    assert_eq!(cells[0], ["行", "列", "问题", "姓名", "性别", "身份证号码"]);
    assert_eq!(cells[1][0], "2");
    assert_eq!(cells[1][3..], ["张三", "", "11010519491231002X"]);
}

/// A zip archive with one entry.
fn zip_with(name: &str, contents: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    out.start_file(name, options).expect("entry");
    out.write_all(contents).expect("write");
    out.finish().expect("zip").into_inner()
}

/// The archive with every entry claiming to unpack to `size` bytes (local and central headers).
fn lying_about_sizes(mut zip: Vec<u8>, size: u32) -> Vec<u8> {
    let (local, central) = (b"PK\x03\x04", b"PK\x01\x02");
    for i in 0..zip.len().saturating_sub(4) {
        let offset = match &zip[i..i + 4] {
            s if s == local => 22,
            s if s == central => 24,
            _ => continue,
        };
        zip[i + offset..i + offset + 4].copy_from_slice(&size.to_le_bytes());
    }
    zip
}

/// A real workbook with one entry replaced.
fn with_entry(book: &[u8], name: &str, contents: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(Cursor::new(book)).expect("workbook");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("entry");
        let entry_name = entry.name().to_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read entry");
        out.start_file(entry_name.as_str(), options).expect("entry");
        out.write_all(if entry_name == name { contents } else { &bytes }).expect("write");
    }
    out.finish().expect("zip").into_inner()
}

/// Hostile uploads cost nothing: without the import permission nothing is read; a workbook that
/// declares (or holds) more than 200,000 rows or 60 columns, a zip bomb and a file that is not
/// what it claims are refused with a Chinese message; one import at a time per user.
async fn hostile_uploads_are_refused_before_they_cost_anything(t: TestApp) {
    t.seed_tree().await;
    let mut corner = Workbook::new();
    let sheet = corner.add_worksheet();
    sheet.write_string(0, 0, "姓名").expect("A1");
    sheet.write_string(1_048_575, 16_383, "x").expect("XFD1048576");
    let corner = corner.save_to_buffer().expect("workbook");

    t.create_user("partner", "org_viewer", "C11").await;
    let partner = t.login("partner").await;
    partner.get("/account").await;
    let res = partner.post_multipart("/imports", &[("kind", "people")], ("file", "bomb.xlsx", &corner)).await;
    assert_eq!(res.status, 403, "refused before the file is read");

    let admin = t.admin().await;
    admin.get("/imports").await;
    let upload = |name: &'static str, bytes: Vec<u8>| {
        let admin = admin.clone();
        async move { admin.post_multipart("/imports", &[("kind", "people")], ("file", name, &bytes)).await }
    };
    let res = upload("corner.xlsx", corner).await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("文件过大"), "{}", res.text());

    let mut tall = Workbook::new();
    tall.add_worksheet().write_string(200_000, 0, "x").expect("row 200,001");
    let res = upload("tall.xlsx", tall.save_to_buffer().expect("workbook")).await;
    assert!(res.status == 422 && res.text().contains("文件过大"), "{}", res.text());
    let wide: Vec<&str> = vec!["x"; 61];
    let res = upload("wide.csv", wide.join(",").into_bytes()).await;
    assert!(res.status == 422 && res.text().contains("文件过大"), "{}", res.text());

    let bomb = zip_with("xl/worksheets/sheet1.xml", &vec![b' '; 20 * 1024 * 1024]);
    assert!(bomb.len() < 100 * 1024, "a small file: {} bytes", bomb.len());
    let res = upload("bomb.xlsx", bomb).await;
    assert!(res.status == 422 && res.text().contains("压缩炸弹"), "{}", res.text());
    // The same bomb declaring a harmless size: unpacked into nothing, counted, refused.
    let liar = lying_about_sizes(zip_with("xl/worksheets/sheet1.xml", &vec![b' '; 20 * 1024 * 1024]), 1_000);
    let res = upload("liar.xlsx", liar).await;
    assert!(res.status == 422 && res.text().contains("压缩炸弹"), "{}", res.text());

    // A cell naming a shared string the workbook does not have (calamine would index past its
    // list): refused as damaged, not a dropped connection.
    let sheet = br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>999</v></c></row></sheetData></worksheet>"#;
    let crafted = with_entry(&xlsx(&[HEADER]), "xl/worksheets/sheet1.xml", sheet);
    let res = upload("crafted.xlsx", crafted).await;
    assert!(res.status == 422 && res.text().contains("Excel 文件已损坏"), "{}", res.text());

    let res = upload("fake.xlsx", b"name,gender\n".to_vec()).await;
    assert!(res.status == 422 && res.text().contains("不是 Excel"), "{}", res.text());
    let res = upload("fake.csv", xlsx(&[HEADER])).await;
    assert!(res.status == 422 && res.text().contains("不是 CSV"), "{}", res.text());
    assert_eq!(admin.get("/healthz").await.status, 200, "the server is still there");

    // One import at a time per user.
    let root = qingtuan_domain::ids::UserId(t.user_id("root").await);
    let client = qingtuan_app::ClientInfo::default();
    let actor = qingtuan_app::access::auth::load_actor(&t.app, root, &client).await.expect("load").expect("actor");
    let first = qingtuan_app::imports::take_slot(&actor).expect("a place");
    assert!(matches!(qingtuan_app::imports::take_slot(&actor), Err(qingtuan_app::AppError::Busy)));
    drop(first);
    assert!(qingtuan_app::imports::take_slot(&actor).is_ok(), "the place is given back");
}

db_tests!(hostile_uploads_are_refused_before_they_cost_anything);
