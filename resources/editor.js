/*
 * What the package's edit dialogs share (nodes/*.html load it first with
 * <script src="resources/node-red-contrib-asterisk-ami/editor.js">, the way Node-RED serves a
 * module's resources/ folder): the event/action catalog, list inputs and their autocompletion,
 * and rows of checkboxes. Loaded once per node set; the first load defines it.
 */
(function () {
    "use strict";
    if (window.AsteriskAmiEditor) { return; }

    // The event/action catalog (Asterisk's own documentation), fetched once per editor session.
    function catalog() {
        if (!window.__asteriskAmiCatalog) {
            window.__asteriskAmiCatalog = $.getJSON("asterisk-ami/catalog").then(null, function () {
                window.__asteriskAmiCatalog = null;
                return $.Deferred().resolve({ actions: {}, events: {} });
            });
        }
        return window.__asteriskAmiCatalog;
    }

    // A list property as stored (an array) or typed (names separated by commas, semicolons or spaces).
    function toList(v) {
        if (Array.isArray(v)) { return v; }
        return String(v || "").split(/[,;\s]+/).filter(function (s) { return s.length > 0; });
    }

    // Completes the last comma-separated token of a list input from getNames().
    function listCompleter(getNames) {
        return function (value) {
            var cut = value.lastIndexOf(",");
            var head = cut >= 0 ? value.slice(0, cut + 1) + " " : "";
            var token = value.slice(cut + 1).trim().toLowerCase();
            if (!token) { return []; }
            return getNames().filter(function (n) { return n.toLowerCase().indexOf(token) === 0; }).slice(0, 50)
                .map(function (n) { return { value: head + n, label: n }; });
        };
    }

    // Checkboxes inside the container ("#id"), one per item { value, label, checked }, with ids
    // "<id>-<value>": fixed-width columns, so that a group that takes two rows lines up instead of
    // wrapping word by word.
    function checkboxes(container, items) {
        var box = $(container).empty();
        items.forEach(function (item) {
            var id = container.slice(1) + "-" + item.value;
            var label = $("<label/>", { for: id, style: "width:auto; margin:0 0 5px 0; white-space:nowrap;" }).appendTo(box);
            $("<input/>", { type: "checkbox", id: id, value: item.value, style: "width:auto; margin:0 4px 0 0; vertical-align:baseline;" })
                .prop("checked", !!item.checked).appendTo(label);
            $("<span/>").text(item.label).appendTo(label);
        });
    }

    // The values of the checked boxes in the container, in order.
    function checkedIn(container) {
        return $(container).find("input:checked").map(function () { return this.value; }).get();
    }

    window.AsteriskAmiEditor = { catalog: catalog, toList: toList, listCompleter: listCompleter, checkboxes: checkboxes, checkedIn: checkedIn };
})();
