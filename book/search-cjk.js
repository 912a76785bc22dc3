// mdBook's search box (elasticlunr) cuts text into words at spaces. Chinese is written without
// spaces, so a Chinese word is never a word of its own there, and searching 粘包 finds nothing, in
// either edition: an open mdBook limitation (rust-lang/mdBook#1081, #2052, #2393). This script
// answers a query that contains Chinese (or Japanese or Korean) characters itself: a plain
// substring search over the same sections mdBook indexed, ranked by how often the query's terms
// occur, a title counting twice. Other queries go to elasticlunr as before.
//
// mdBook also searches only on a key's release (keyup). Chinese is typed through an input method
// or pasted, and neither need release a key after the text changes, so every change of the text
// is turned into that event too (mdBook skips a search it has just done).
(() => {
    if (typeof elasticlunr === "undefined") {
        return;
    }
    const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]/;
    const occurrences = (text, term) => {
        let count = 0;
        for (let at = text.indexOf(term); at !== -1; at = text.indexOf(term, at + term.length)) {
            count += 1;
        }
        return count;
    };
    // mdBook shows a result with the start of its section's text, or, for a query of words, the
    // words around them; for Chinese it would show the start. Hand it the text around the first
    // occurrence instead, so that the reader sees the term in its sentence.
    const around = (body, terms) => {
        const lower = body.toLowerCase();
        const at = Math.min(...terms.map((term) => lower.indexOf(term)).filter((i) => i !== -1));
        if (!Number.isFinite(at)) {
            return body;
        }
        const start = Math.max(0, at - 40);
        const end = Math.min(body.length, at + 160);
        return `${start > 0 ? "… " : ""}${body.slice(start, end)}${end < body.length ? " …" : ""}`;
    };
    const wordSearch = elasticlunr.Index.prototype.search;
    elasticlunr.Index.prototype.search = function (query, config) {
        if (typeof query !== "string" || !CJK.test(query)) {
            return wordSearch.call(this, query, config);
        }
        const terms = query.toLowerCase().split(/\s+/).filter((term) => term !== "");
        const results = [];
        for (const [ref, doc] of Object.entries(this.documentStore.docs)) {
            const title = (doc.title || "").toLowerCase();
            const text = `${doc.breadcrumbs || ""} ${doc.body || ""}`.toLowerCase();
            let score = 0;
            for (const term of terms) {
                score += 2 * occurrences(title, term) + occurrences(text, term);
            }
            if (score > 0) {
                results.push({ ref, score, doc: { ...doc, body: around(doc.body || "", terms) } });
            }
        }
        return results.sort((a, b) => b.score - a.score);
    };

    const searchbar = document.getElementById("mdbook-searchbar");
    searchbar?.addEventListener("input", () => searchbar.dispatchEvent(new KeyboardEvent("keyup")));
})();
