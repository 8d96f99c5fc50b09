import type { Page } from "playwright-core";

// Functions passed to locator.evaluate run in the browser; the build has no DOM lib, so its globals
// are declared loosely here (this module only).
declare const document: any;
declare const getComputedStyle: any;

/**
 * What is wrong with the layout of the edit dialog open now (the last tray), from the bounding
 * boxes of its labels and inputs: a row's label not beside its first input (wrapped onto
 * another line, as the step checkboxes once sat beside "Directions"), a label whose text wraps,
 * an input, select or label reaching past the dialog's right edge, the option a select shows or
 * an input's placeholder cut off, an empty editable list taking more than one row's height.
 */
export async function layoutProblems(page: Page): Promise<string[]> {
  return page.locator(".red-ui-tray").last().locator(".red-ui-tray-body").evaluate((body: any) => {
    const problems: string[] = [];
    const shown = (e: any) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
    const text = (e: any) => (e.textContent ?? "").replace(/\s+/g, " ").trim();
    const r = (e: any) => e.getBoundingClientRect();
    const canvas = document.createElement("canvas").getContext("2d");
    const textWidth = (s: string, e: any) => {
      const cs = getComputedStyle(e);
      canvas.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      return canvas.measureText(s).width;
    };
    const room = (e: any) => {
      const cs = getComputedStyle(e);
      return e.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    };
    const right = r(body).right;
    for (const row of Array.from(body.querySelectorAll(".form-row")).filter(shown) as any[]) {
      // An editable list has its label above it (Node-RED's convention): checked below.
      if (row.querySelector(".red-ui-editableList")) continue;
      const label = Array.from(row.children).find((c: any) => c.tagName === "LABEL" && shown(c) && text(c)) as any;
      if (!label) continue;
      const name = text(label);
      if (r(label).height > 26) problems.push(`the label "${name}" wraps (${Math.round(r(label).height)} px high)`);
      const first = Array.from<any>(row.querySelectorAll("input:not([type=hidden]), select, textarea")).find((c) => shown(c) && !label.contains(c));
      if (!first) continue;
      // A checkbox in a label of its own: that label's line.
      const box = first.type === "checkbox" && first.closest("label") && first.closest("label") !== label ? first.closest("label") : first;
      const middle = r(label).top + r(label).height / 2;
      if (middle < r(box).top || middle > r(box).bottom) {
        problems.push(`"${name}" is not beside its first input (label ${Math.round(r(label).top)}-${Math.round(r(label).bottom)}, input ${Math.round(r(box).top)}-${Math.round(r(box).bottom)})`);
      }
    }
    for (const e of Array.from(body.querySelectorAll("input:not([type=hidden]), select, textarea, label, .red-ui-typedInput-container, button")).filter(shown) as any[]) {
      const what = e.id ? `#${e.id}` : `${e.tagName.toLowerCase()} "${text(e).slice(0, 40)}"`;
      if (r(e).right > right + 0.5) problems.push(`${what} reaches past the dialog (${Math.round(r(e).right)} > ${Math.round(right)})`);
      if (e.tagName === "SELECT" && e.selectedIndex >= 0) {
        // Chromium draws the dropdown arrow inside the padding box: 20 px of it.
        const option = text(e.options[e.selectedIndex]);
        if (textWidth(option, e) > room(e) - 20) problems.push(`${what} cuts its option "${option}" (${Math.round(textWidth(option, e))} px in ${Math.round(room(e) - 20)})`);
      }
      if (e.tagName === "INPUT" && e.placeholder && !e.value && textWidth(e.placeholder, e) > room(e)) {
        problems.push(`${what} cuts its placeholder "${e.placeholder}" (${Math.round(textWidth(e.placeholder, e))} px in ${Math.round(room(e))})`);
      }
    }
    for (const list of Array.from(body.querySelectorAll(".red-ui-editableList")).filter(shown) as any[]) {
      const items = list.querySelectorAll(".red-ui-editableList-item-content").length;
      const height = r(list.querySelector(".red-ui-editableList-container") ?? list).height;
      if (items === 0 && height > 60) problems.push(`an empty list (${list.querySelector("ol")?.id}) is ${Math.round(height)} px high`);
    }
    return problems;
  });
}
