// The language switch: a link in the menu bar from each page to the same page in the other
// edition. The Chinese edition is built into the English edition's zh-CN/ folder (book.toml), so
// the two pages share their path below their edition's root.
(() => {
    const chinese = document.documentElement.lang === "zh-CN";
    // mdBook sets path_to_root on every page: the way from this page up to its edition's root.
    const root = new URL(window.path_to_root || "./", window.location.href);
    const here = window.location.pathname;
    let page = here.startsWith(root.pathname) ? here.slice(root.pathname.length) : "";
    if (page === "") {
        page = "index.html";
    }
    const other = new URL((chinese ? "../" : "zh-CN/") + page, root);

    const link = document.createElement("a");
    link.href = other.href;
    link.id = "edition-switch";
    link.hreflang = chinese ? "en" : "zh-CN";
    link.lang = link.hreflang;
    link.textContent = chinese ? "English" : "中文";
    link.title = chinese ? "Read this page in English" : "阅读本页的中文版";
    link.setAttribute("aria-label", link.title);
    link.style.cssText = "font-size: 1.5rem; padding: 0 10px; text-decoration: none;";
    document.querySelector("#mdbook-menu-bar .right-buttons, .right-buttons")?.prepend(link);

    if (chinese) {
        const searchbar = document.getElementById("mdbook-searchbar");
        if (searchbar) {
            searchbar.placeholder = "搜索本书 ...";
        }
    }
})();
