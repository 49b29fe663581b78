//! The work bulletin and frozen reports through HTTP: the demo's bulletin from the default
//! template reads like the seed article with every number computed and linked to its records;
//! exported as .docx and printed; published, it is frozen and later compared with today's
//! recomputation after a late change, reopened only as a new version. Templates are sandboxed,
//! versioned and audited; a declining figure needs a written explanation before publishing; the
//! dashboard's report can be frozen too; another scope's bulletins are closed.

use std::io::Read;

use crate::kit::post_form;
use qingtuan_app::Actor;
use qingtuan_app::registry::orgs::{self, NewOrg};
use qingtuan_demo as demo;
use qingtuan_testkit::{TestApp, TestClient, db_tests};

db_tests!(
    the_demo_bulletin_reads_like_the_seed_and_is_frozen_as_published,
    templates_are_sandboxed_and_versioned_and_declines_need_an_explanation
);

/// Creates a bulletin through the list's form; its page's path.
async fn new_bulletin(client: &TestClient, fields: &[(&str, &str)]) -> String {
    let res = post_form(client, "/bulletins", "/bulletins", fields).await;
    assert_eq!(res.status, 303, "{}", res.text());
    res.location().expect("the bulletin").split('?').next().unwrap_or_default().to_owned()
}

/// Every figure link of a page: (the link, the value it showed).
fn figure_links(html: &str) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find("class=\"figure-link\" data-value=\"") {
        let before = &rest[..at];
        let href_at = before.rfind("href=\"").expect("the link") + "href=\"".len();
        let href = before[href_at..].split('"').next().unwrap_or_default().replace("&#38;", "&").replace("&amp;", "&");
        let value = &rest[at + "class=\"figure-link\" data-value=\"".len()..];
        out.push((href, value.split('"').next().unwrap_or_default().parse().expect("a value")));
        rest = &rest[at + 1..];
    }
    out
}

async fn the_demo_bulletin_reads_like_the_seed_and_is_frozen_as_published(t: TestApp) {
    demo::build(&t.app).await.expect("demo builds");
    t.create_user("chief", "district_admin", "CY").await;
    let chief = t.login("chief").await;
    let fields = [("scope", "CY"), ("as_of", "2022-05-31"), ("baseline", "2020-12-31"), ("from", ""), ("template", "")];
    let page = new_bulletin(&chief, &fields).await;
    let html = chief.get(&page).await.text();

    // The seed's figures, written as the article writes them, every one computed.
    for words in [
        "聚焦“强组织”，社会化生存有基础",
        "聚焦“树品牌”，社会化生存有抓手",
        "新成立行业系统团工委<a",
        ">3个</a>",
        ">65个</a>",
        ">8个</a>成立街道级青工委",
        ">70个</a>社区成立社区级青工委",
        ">120个</a>社区成立社区级少工委",
        "社会领域团组织数量达到<a",
        ">636个</a>，较2020年12月31日<a",
        ">增加109个</a>、<a",
        ">增长20.7%</a>",
        ">4812人</a>",
        "每万名青年对应工作力量<a",
        ">126人</a>，比2020年12月31日<a",
        ">增加85人</a>",
        ">77人</a>“两委”委员兼任团组织书记",
        ">33人</a>乡村好青年",
        ">11人</a>优秀青年到团区委机关",
        ">32人</a>优秀青年到街道团工委",
        ">85笔</a>",
        ">1035万元</a>",
        ">增加15个</a>",
        ">增加92个</a>",
        ">229个</a>",
        ">17155人</a>",
        ">131支</a>",
        ">3284人次</a>",
        "万余人次</a>",
        "万余元</a>",
        "青年驿站<a",
        ">4个</a>",
        ">102人次</a>",
        ">59人</a>在区内成功就业",
        "治理河心岛11个",
        ">9个</a>",
        ">35.1万元</a>",
    ] {
        assert!(html.contains(words), "the bulletin says {words}: {html}");
    }
    // Every number links to its records, and is the figure the report gives for its period.
    let links = figure_links(&html);
    assert!(links.len() > 40, "{} figures linked", links.len());
    for (href, value) in &links {
        let (path, query) = href.split_once('?').expect("a query");
        let key = path.trim_start_matches("/figures/");
        let report = chief.get(&format!("/api/v1/reports?{query}")).await.json();
        assert_eq!(report[key]["value"].as_i64(), Some(*value), "{href}");
        assert_eq!(chief.get(href).await.status, 200, "{href}");
    }
    let served = links.iter().find(|(h, _)| h.starts_with("/figures/volunteer.people_served?")).expect("P8 served");
    assert!(served.1 >= 970_000 && served.0.contains("from=2022-03-01"), "since March: {served:?}");

    // Narrative blocks are typed; the figures never are.
    let id = page.trim_start_matches("/bulletins/");
    let saved = chief.post(&format!("{page}/texts"), &[("block:结语", "青春建功新时代。"), ("why:x", "")]).await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    assert!(chief.get(&page).await.text().contains("<p>青春建功新时代。</p>"));

    // The .docx staff send on, and the printable page.
    let docx = chief.get(&format!("{page}/bulletin.docx")).await;
    assert_eq!(docx.status, 200);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx.body.to_vec())).expect("a docx is a zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml").expect("the document").read_to_string(&mut xml).expect("text");
    assert!(xml.contains("1035万元") && xml.contains("聚焦“搭平台”"), "{xml}");
    let print = chief.get(&format!("{page}/print")).await.text();
    assert!(print.contains("636个") && !print.contains("<nav"), "{print}");

    // Published: frozen, and the same as today's recomputation.
    let published = chief.post(&format!("{page}/publish"), &[]).await;
    assert_eq!(published.status, 303, "{}", published.text());
    let frozen = published.location().expect("the frozen report").split('?').next().unwrap_or_default().to_owned();
    let report = chief.get(&frozen).await;
    assert!(report.text().contains("内容与发布时一致"), "{}", report.text());
    assert!(report.text_of_id("differences").is_some_and(|d| d.starts_with("全部")), "{}", report.text());
    assert!(chief.get("/reports?year=2022").await.text().contains(&format!("href=\"{frozen}\"")));
    assert!(chief.get("/reports?year=2021").await.text().contains("还没有发布的报告"));
    // A published bulletin is not changed, nor published twice.
    assert_eq!(chief.post(&format!("{page}/texts"), &[("block:结语", "改一下")]).await.status, 422);
    assert_eq!(chief.post(&format!("{page}/publish"), &[]).await.status, 422);

    // A late import: an org founded before the as-of date, entered after publication.
    let late = NewOrg {
        code: "LATE1".into(),
        name: "迟到的社区团支部".into(),
        kind: "branch".into(),
        parent_code: "CY".into(),
        sector_code: "street_community".into(),
        founded_on: "2022-04-01".into(),
        ..Default::default()
    };
    orgs::create(&t.app, &Actor::system(), &late).await.expect("late org");
    let report = chief.get(&frozen).await.text();
    assert!(report.contains("有变化") && report.contains("<td class=\"num\">636 个</td>"), "{report}");
    assert!(report.contains("个数字与当前记录重新核算的结果不同"), "{report}");
    let changes = &report[report.find("id=\"changes-since\"").expect("the changes")..];
    assert!(changes.contains("LATE1") || changes.contains("组织"), "{changes}");

    // Reopened only as a new version, whose publication is the report's second version.
    let reopened = chief.post(&format!("{page}/reopen"), &[]).await;
    assert_eq!(reopened.status, 303);
    let second = reopened.location().expect("the new draft").split('?').next().unwrap_or_default().to_owned();
    assert_ne!(second, page);
    assert_eq!(chief.post(&format!("{page}/reopen"), &[]).await.status, 422, "reopened once");
    let draft = chief.get(&second).await.text();
    assert!(draft.contains(&format!("<a href=\"/bulletins/{id}\">")) && draft.contains(">637个</a>"), "{draft}");
    let published = chief.post(&format!("{second}/publish"), &[]).await;
    let frozen2 = published.location().expect("frozen").split('?').next().unwrap_or_default().to_owned();
    let v2 = chief.get(&frozen2).await.text();
    assert!(v2.contains("第 2 版") && v2.contains(&format!("href=\"{frozen}\"")), "{v2}");
    assert_eq!(t.audit_count("report.publish").await, 3, "the demo's own and these two");

    // The dashboard's report is frozen the same way.
    let dash = chief.get("/dashboard?as_of=2022-05-31&baseline=2020-12-31").await;
    assert!(dash.text().contains("发布（冻结）这份报表"));
    let fields = [("as_of", "2022-05-31"), ("baseline", "2020-12-31"), ("scope", "CY"), ("street", "")];
    let figures = chief.post("/reports", &fields).await;
    assert_eq!(figures.status, 303, "{}", figures.text());
    let shown = chief.get(figures.location().expect("the report")).await.text();
    assert!(shown.contains("统计报表") && shown.contains("社会领域团组织数"), "{shown}");

    // A viewer may not freeze a report: refused before anything is computed, audited, none made.
    t.create_user("watcher", "org_viewer", "CY").await;
    let viewer = t.login("watcher").await;
    assert!(!viewer.get("/dashboard?as_of=2022-05-31").await.text().contains("发布（冻结）这份报表"));
    let denied = t.audit_count("security.denied").await;
    let frozen_before = t.scalar("SELECT COUNT(*) FROM frozen_reports").await;
    let refused = viewer.post("/reports", &fields).await;
    assert_eq!(refused.status, 403, "{}", refused.text());
    assert_eq!(t.scalar("SELECT COUNT(*) FROM frozen_reports").await, frozen_before);
    assert_eq!(t.audit_count("security.denied").await, denied + 1);

    // Another street's admin finds nothing of the district's bulletins.
    t.create_user("liuting2", "org_admin", "CY02T").await;
    let street = t.login("liuting2").await;
    assert_eq!(street.get(&page).await.status, 404);
    assert_eq!(street.get(&frozen).await.status, 404);
    assert!(!street.get("/bulletins").await.text().contains(&format!("href=\"{page}\"")));
}

async fn templates_are_sandboxed_and_versioned_and_declines_need_an_explanation(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    let save = |name: &'static str, body: &'static str| {
        let admin = &admin;
        async move {
            post_form(admin, "/bulletin-templates", "/bulletin-templates", &[("name", name), ("body", body)]).await
        }
    };
    // A template can neither read a file nor run for ever, nor call what is not offered.
    let file = save("读文件", "# 标题\n{% include \"/etc/passwd\" %}").await;
    assert_eq!(file.status, 422);
    assert!(file.text_of_id("template-error").is_some_and(|e| e.contains("第 2 行")), "{}", file.text());
    let forever =
        save("死循环", "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}").await;
    assert_eq!(forever.status, 422);
    assert!(forever.text().contains("运行步骤过多"), "{}", forever.text());
    let unknown = save("未知函数", "# 标题\n\n{{ open(\"/etc/passwd\") }}").await;
    assert!(unknown.status == 422 && unknown.text().contains("第 3 行"), "{}", unknown.text());
    let no_figure = save("未知指标", "{{ n(\"no.such.figure\") }}").await;
    assert!(
        no_figure.status == 422 && no_figure.text().contains("指标目录中没有“no.such.figure”"),
        "{}",
        no_figure.text()
    );
    assert_eq!(save("默认模板", "# 改默认").await.status, 422);
    let ancient = save("远古", "{{ n(\"volunteer.turnouts\", since=\"-200000-01-01\") }}").await;
    assert!(ancient.status == 422 && ancient.text().contains("不是日期"), "{}", ancient.text());
    assert_eq!(t.audit_count("bulletin_template.save").await, 0);

    // Saved twice: two versions, the newest used.
    let body = "# {{ scope }}简报\n## 组织\n社会领域团组织{{ n(\"org.social_domain.count\") }}，较{{ baseline }}{{ change(\"org.social_domain.count\") }}。{{ block(\"说明\") }}";
    assert_eq!(save("简版", "# 第一版").await.status, 303);
    assert_eq!(save("简版", body).await.status, 303);
    let list = admin.get("/bulletin-templates?name=%E7%AE%80%E7%89%88").await.text();
    assert!(list.contains("第 2 版") && list.contains("第 1 版"), "{list}");
    assert_eq!(t.audit_count("bulletin_template.save").await, 2);
    // Only the whole district's admins save templates.
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;
    let denied =
        post_form(&street, "/bulletin-templates", "/bulletin-templates", &[("name", "街道"), ("body", "# x")]).await;
    assert_eq!(denied.status, 403);

    // A social-domain branch that existed at the baseline and was dissolved since: the figure declines.
    let gone = NewOrg {
        code: "GONE".into(),
        name: "撤销的社区团支部".into(),
        kind: "branch".into(),
        parent_code: "S1".into(),
        sector_code: "street_community".into(),
        founded_on: "2020-01-01".into(),
        dissolved_on: "2025-06-01".into(),
        ..Default::default()
    };
    orgs::create(&t.app, &Actor::system(), &gone).await.expect("org");
    let fields =
        [("scope", "D"), ("as_of", "2026-03-01"), ("baseline", "2025-01-01"), ("from", ""), ("template", "简版")];
    let page = new_bulletin(&admin, &fields).await;
    let html = admin.get(&page).await.text();
    assert!(html.contains(">0个</a>，较2025年1月1日<a") && html.contains(">减少1个</a>"), "{html}");
    assert!(html.contains("name=\"why:org.social_domain.count\""), "the decline asks for a reason: {html}");
    let refused = admin.post(&format!("{page}/publish"), &[]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("以下数字较基准下降，请先填写说明再发布：社会领域团组织数"), "{}", refused.text());
    assert_eq!(t.audit_count("report.publish").await, 0);
    let explained = admin
        .post(
            &format!("{page}/texts"),
            &[("why:org.social_domain.count", "一社区团支部随社区合并撤销"), ("block:说明", "")],
        )
        .await;
    assert_eq!(explained.status, 303);
    // Control characters typed are left out: the .docx stays valid XML.
    let controls = admin.post(&format!("{page}/texts"), &[("block:说明", "甲\u{1}\u{8}\u{1b}乙")]).await;
    assert_eq!(controls.status, 303);
    let docx = admin.get(&format!("{page}/bulletin.docx")).await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx.body.to_vec())).expect("a docx");
    let mut xml = String::new();
    zip.by_name("word/document.xml").expect("the document").read_to_string(&mut xml).expect("text");
    assert!(xml.contains("甲乙") && !xml.chars().any(|c| c.is_control() && c != '\n'), "{xml}");
    // A list asked for an absurd page answers, and dates outside the calendar are refused.
    assert_eq!(admin.get("/bulletins?page=200000000000000000").await.status, 200);
    let absurd = admin.get("/figures/volunteer.turnouts?as_of=2026-03-01&baseline=-262143-01-01").await;
    assert_eq!(absurd.status, 422);
    // Typed text cannot pass for a computed number.
    let forged = admin.post(&format!("{page}/texts"), &[("block:说明", "\u{E000}0\u{E001}99999\u{E002}")]).await;
    assert_eq!(forged.status, 303);
    let html = admin.get(&page).await.text();
    assert!(html.contains("099999") && !html.contains(">99999</a>"), "{html}");
    assert_eq!(admin.post(&format!("{page}/publish"), &[]).await.status, 303);
    // A period asked for only when a figure says so is computed when it is asked for.
    let body = "# 条件\n{% if value(\"org.social_domain.count\") == 0 %}今年以来{{ n(\"org.social_domain.count\", since=\"01-01\") }}{% endif %}";
    assert_eq!(save("条件", body).await.status, 303);
    let fields = [("scope", "D"), ("as_of", "2026-03-01"), ("baseline", "2025-01-01"), ("template", "条件")];
    let conditional = admin.get(&new_bulletin(&admin, &fields).await).await.text();
    assert!(conditional.contains("今年以来<a") && conditional.contains("from=2026-01-01"), "{conditional}");
    // A street admin's bulletin of another street is not theirs to open.
    let other = new_bulletin(&admin, &[("scope", "S2"), ("as_of", "2026-03-01"), ("baseline", "2025-01-01")]).await;
    assert_eq!(street.get(&other).await.status, 404);
}
