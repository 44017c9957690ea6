"""The chat UI's look (theme, CSS) and its small client script ([n] → source, scroll to marks)."""

from __future__ import annotations

import gradio as gr

SANS = ["Inter", "system-ui", "-apple-system", "Segoe UI", "Helvetica Neue", "Arial", "sans-serif"]
MONO = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]


def theme() -> gr.themes.Base:
    # local font names only: the UI must not fetch fonts from the internet
    return gr.themes.Soft(
        primary_hue=gr.themes.colors.slate,
        secondary_hue=gr.themes.colors.amber,
        neutral_hue=gr.themes.colors.stone,
        font=SANS,
        font_mono=MONO,
        radius_size=gr.themes.sizes.radius_sm,
    ).set(
        body_background_fill="#f6f5f1",
        block_background_fill="#ffffff",
        block_border_color="#e4e1d8",
        button_primary_background_fill="#1f3a5f",
        button_primary_background_fill_hover="#294b78",
        button_primary_text_color="#ffffff",
    )


CSS = """
:root { --aqa-ink: #1c1f23; --aqa-muted: #6b6a65; --aqa-line: #e4e1d8; --aqa-accent: #1f3a5f;
        --aqa-mark: #fde68a; --aqa-mark-strong: #fbbf24; --aqa-paper: #ffffff; }
.gradio-container { max-width: 1480px !important; margin: 0 auto !important; }
footer { display: none !important; }
#aqa-header { padding: 6px 2px 2px 2px; }
.aqa-brand { display: flex; align-items: baseline; gap: 14px; flex-wrap: wrap; }
.aqa-brand h1 { font-family: Georgia, 'Times New Roman', serif; font-size: 26px; margin: 0;
                color: var(--aqa-ink); letter-spacing: -0.01em; }
.aqa-brand .aqa-tagline { color: var(--aqa-muted); font-size: 14px; }
.aqa-brand .aqa-stat { margin-left: auto; color: var(--aqa-muted); font-size: 13px; }
.aqa-mode { font-size: 12.5px; font-weight: 600; border-radius: 999px; padding: 2px 10px;
            border: 1px solid var(--aqa-line); background: #f3f1ea; color: #4b4f55; }
.aqa-mode-llm { background: #eef2fb; border-color: #c9d5ee; color: var(--aqa-accent); }

/* chat */
#aqa-chat { border: 1px solid var(--aqa-line) !important; background: var(--aqa-paper); }
#aqa-chat .message { font-size: 15px; line-height: 1.6; }
a.aqa-ref { display: inline-block; font-size: 12px; font-weight: 600; text-decoration: none !important;
            color: var(--aqa-accent) !important; background: #e8eef6; border-radius: 4px;
            padding: 0 4px; margin: 0 1px; line-height: 18px; vertical-align: 1px; cursor: pointer; }
a.aqa-ref:hover { background: var(--aqa-accent); color: #fff !important; }
/* llm mode: the text being written, what verification removed, who wrote it, notices */
.aqa-unverified { font-size: 12px; font-style: italic; font-weight: 600; color: #8a3b12;
                  letter-spacing: .02em; }
.aqa-draft { color: var(--aqa-muted); }
.aqa-unsupported { font-size: 12px; font-weight: 600; color: #8a3b12; }
details.aqa-removed { margin-top: 8px; font-size: 13px; color: var(--aqa-muted); }
details.aqa-removed summary { cursor: pointer; }
details.aqa-removed ul { margin: 6px 0 0 18px; padding: 0; }
details.aqa-removed .aqa-removed-text { color: #55585d; text-decoration: line-through;
                                         text-decoration-color: #b5b1a6; }
.aqa-mode-mark { margin-top: 6px; font-size: 12px; color: var(--aqa-muted); }
.aqa-notice { margin-top: 8px; font-size: 13px; padding: 6px 10px; border-left: 3px solid #d6a64b;
              background: #fbf6ea; color: #5c4a1f; }
#aqa-input textarea { font-size: 15px; }
#aqa-chat button.example { border: 1px solid var(--aqa-line) !important; border-radius: 8px !important;
                           background: #fbfaf7 !important; text-align: left; padding: 12px 14px !important;
                           transition: border-color .15s, background .15s; }
#aqa-chat button.example:hover { border-color: var(--aqa-accent) !important; background: #fff !important; }
#aqa-chat button.example .example-text { font-size: 14px; color: var(--aqa-ink); }
.aqa-actions { gap: 8px; }

/* sources panel */
#aqa-sources-col { position: sticky; top: 8px; align-self: flex-start; }
#aqa-sources { max-height: calc(100vh - 120px) !important; overflow-y: auto !important;
               padding-right: 6px; overscroll-behavior: contain; }
.aqa-sources { color: var(--aqa-ink); }
.aqa-empty-sources { border: 1px dashed #d6d2c6; border-radius: 8px; padding: 22px 22px 10px;
                     color: var(--aqa-muted); background: #fbfaf7; }
.aqa-empty-sources h3 { margin: 0 0 8px; font-size: 13px; text-transform: uppercase;
                        letter-spacing: .08em; color: var(--aqa-ink); }
.aqa-ref-demo { font-weight: 600; color: var(--aqa-accent); background: #e8eef6; border-radius: 4px;
                padding: 0 4px; }
.aqa-turn-head { font-size: 13px; color: var(--aqa-muted); margin: 2px 0 10px; }
.aqa-kicker { text-transform: uppercase; letter-spacing: .08em; font-size: 11px; font-weight: 600;
              color: var(--aqa-muted); margin-right: 4px; }
.aqa-question { color: var(--aqa-ink); font-weight: 500; }
.aqa-card { background: var(--aqa-paper); border: 1px solid var(--aqa-line); border-radius: 8px;
            padding: 16px 18px 14px; margin-bottom: 14px; box-shadow: 0 1px 2px rgba(0,0,0,.03); }
.aqa-card-head { position: sticky; top: 0; z-index: 2; background: var(--aqa-paper);
                 margin: -16px -18px 0; padding: 14px 18px 10px; border-radius: 8px 8px 0 0;
                 border-bottom: 1px solid var(--aqa-line); }
.aqa-card-top { display: flex; justify-content: space-between; margin-bottom: 4px; }
.aqa-chips { display: flex; gap: 4px; }
a.aqa-chip { font-size: 12px; font-weight: 700; color: var(--aqa-accent) !important;
             text-decoration: none !important; background: #e8eef6; border-radius: 4px; padding: 1px 6px; }
.aqa-title { font-family: Georgia, 'Times New Roman', serif; font-size: 19px; line-height: 1.3;
             margin: 2px 0 6px; color: var(--aqa-ink); font-weight: 700; }
h4.aqa-title { font-size: 16px; }
.aqa-meta { font-size: 13px; color: var(--aqa-muted); display: flex; flex-wrap: wrap; gap: 2px 0; }
.aqa-outlet { color: #8a3b12; font-weight: 600; text-transform: uppercase; font-size: 11.5px;
              letter-spacing: .06em; line-height: 19px; }
.aqa-dot { margin: 0 7px; color: #b5b1a6; }
.aqa-url { display: block; font-size: 12px; color: var(--aqa-muted) !important; margin-top: 2px;
           overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.aqa-body { font-family: Georgia, 'Times New Roman', serif; font-size: 15px; line-height: 1.65;
            white-space: pre-wrap; margin-top: 12px; color: #3a3d41; }
mark.aqa-hl { background: var(--aqa-mark); color: var(--aqa-ink); padding: 1px 0;
              border-bottom: 2px solid var(--aqa-mark-strong); scroll-margin: 80px; }
mark.aqa-hl.aqa-active { background: var(--aqa-mark-strong); box-shadow: 0 0 0 3px rgba(251,191,36,.35); }
.aqa-quote { margin: 10px 0 0; font-family: Georgia, serif; }
.aqa-metacite { margin-top: 10px; font-size: 14px; padding: 8px 10px; background: #f7f5ef;
                border-radius: 6px; }
.aqa-num { font-weight: 700; color: var(--aqa-accent); }
.aqa-muted { color: var(--aqa-muted); }

/* abstention: visibly not an answer */
.aqa-abstain-note { border-left: 4px solid #9ca3af; background: #f3f4f6; padding: 12px 14px;
                    border-radius: 4px; font-size: 14px; color: #374151; margin-bottom: 14px; }
.aqa-related-head { font-size: 12px; text-transform: uppercase; letter-spacing: .08em;
                    color: var(--aqa-muted); margin: 6px 0 8px; font-weight: 600; }
.aqa-related-card { border: 1px dashed #cfcabd; border-radius: 8px; padding: 12px 14px;
                    margin-bottom: 10px; background: #fbfaf7; }
.aqa-related-card .aqa-title { color: #4b4f55; }
.aqa-excerpt { font-family: Georgia, serif; font-size: 14px; color: #55585d; margin: 8px 0 0;
               line-height: 1.55; }

/* corpus */
.aqa-corpus-count { font-size: 13px; color: var(--aqa-muted); margin: 4px 0 8px; }
table.aqa-table { width: 100%; border-collapse: collapse; font-size: 14px; background: #fff;
                  border: 1px solid var(--aqa-line) !important; border-radius: 6px; }
table.aqa-table th, table.aqa-table td { border-left: none !important; border-right: none !important;
                  border-top: none !important; }
table.aqa-table th { text-align: left; font-size: 11.5px; text-transform: uppercase;
                     letter-spacing: .06em; color: var(--aqa-muted); border-bottom: 1px solid var(--aqa-line);
                     padding: 8px 10px; font-weight: 600; }
table.aqa-table td { border-bottom: 1px solid #efece5; padding: 9px 10px; vertical-align: top; }
td.aqa-col-title { font-family: Georgia, serif; font-weight: 600; color: var(--aqa-ink); }
.aqa-nowrap { white-space: nowrap; }
.aqa-num-col { text-align: right; }
td.aqa-file { font-family: ui-monospace, Menlo, monospace; font-size: 12px; color: var(--aqa-muted); }
#aqa-summary textarea { font-family: ui-monospace, Menlo, monospace; font-size: 12.5px; }
"""

# Runs once when the page loads. Clicking [n] (in the chat or on a card) shows the turn it
# belongs to in the sources panel and scrolls its highlighted sentence into view.
JS = """
() => {
  if (window.__aqaReady) return;
  window.__aqaReady = true;
  const panel = () => document.querySelector('#aqa-sources');
  function showTurn(turn) {
    const p = panel();
    if (!p) return;
    p.querySelectorAll('section.aqa-turn').forEach((s) => {
      s.hidden = String(s.dataset.turn) !== String(turn);
    });
  }
  function focusMark(el) {
    const p = panel();
    if (!p || !el) return;
    p.querySelectorAll('mark.aqa-active').forEach((m) => m.classList.remove('aqa-active'));
    el.classList.add('aqa-active');
    // scroll the panel only (never the page): the mark a third of the way down
    const box = p.getBoundingClientRect();
    const at = el.getBoundingClientRect();
    const top = p.scrollTop + (at.top - box.top) - Math.max(120, p.clientHeight / 3);
    p.scrollTo({ top: Math.max(0, top), behavior: 'smooth' });
  }
  window.aqaShowCitation = (turn, n) => {
    showTurn(turn);
    const el = document.getElementById(`aqa-cite-${turn}-${n}`);
    focusMark(el);
    return !!el;
  };
  window.aqaFocusLatest = () => {
    setTimeout(() => {
      const p = panel();
      if (!p) return;
      const sections = p.querySelectorAll('section.aqa-turn');
      const last = sections[sections.length - 1];
      if (!last) return;
      sections.forEach((s) => { s.hidden = s !== last; });
      const first = last.querySelector('mark.aqa-hl');
      if (first) focusMark(first); else p.scrollTo({ top: 0 });
    }, 60);
  };
  document.addEventListener('click', (ev) => {
    const a = ev.target && ev.target.closest ? ev.target.closest('a.aqa-ref, a.aqa-chip') : null;
    if (!a) return;
    const m = /aqa-cite-(\\d+)-(\\d+)/.exec(a.getAttribute('href') || '');
    if (!m) return;
    ev.preventDefault();
    ev.stopPropagation();
    window.aqaShowCitation(m[1], m[2]);
  }, true);
}
"""
