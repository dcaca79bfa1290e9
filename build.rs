// Windows resources (icon, version, DPI manifest) come with the installer work; nothing to do elsewhere.
fn main() {}
