use super::*;

fn users(n: usize) -> Vec<User> {
    (0..n)
        .map(|i| User {
            dn: format!("CN=u{i},DC=x"),
            sam_account_name: Some(format!("u{i:03}")),
            display_name: Some(format!("User {i:03}")),
            photo_bytes: (i % 2 == 0).then_some(1000 + i),
            ..Default::default()
        })
        .collect()
}

#[test]
fn filter_search_sort() {
    let mut g = UserGrid::default();
    g.set_users(users(10));
    g.refresh_view();
    assert_eq!(g.shown_count(), 10);
    g.prefs.filter = PhotoFilter::WithoutPhoto;
    g.refresh_view();
    assert_eq!(g.shown_count(), 5);
    g.search = "USER 00".into();
    g.refresh_view();
    assert_eq!(g.shown_count(), 5);
    g.search = "u003".into();
    g.refresh_view();
    assert_eq!(g.shown_count(), 1);
    g.search.clear();
    g.prefs.filter = PhotoFilter::All;
    g.prefs.sort = SortKey::Photo;
    g.prefs.descending = true;
    g.refresh_view();
    assert_eq!(g.users[g.view[0]].photo_bytes, Some(1008));
}

#[test]
fn click_ctrl_shift_selection() {
    let mut g = UserGrid::default();
    g.set_users(users(10));
    g.refresh_view();
    g.click(2, Modifiers::NONE);
    g.click(4, Modifiers::COMMAND);
    assert_eq!(g.selected_count(), 2);
    g.click(7, Modifiers::SHIFT);
    // Range from the anchor (4) to 7.
    assert_eq!(g.selected_count(), 4);
    g.click(4, Modifiers::COMMAND);
    assert_eq!(g.selected_count(), 3);
    g.click(1, Modifiers::NONE);
    assert_eq!(g.selected_count(), 1);
}

#[test]
fn human_sizes() {
    // One format in the window and the CLI: the 1,881 bytes once shown as 1.8 and 1.9 kB.
    assert_eq!(human_bytes(812), "812 B");
    assert_eq!(human_bytes(1881), "1.8 KiB");
    assert_eq!(human_bytes(10_240), "10 KiB");
    assert_eq!(human_bytes(3 << 20), "3 MiB");
}
