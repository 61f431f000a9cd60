// Sorting and filtering for report.html. The page must work offline from a
// mail attachment, so this is all the script it has. The URL fragment
// carries the view, so a link can point at it:
//   #filter=TEXT            show only rows containing TEXT (every table)
//   #sort=TABLE:COLUMN:DIR  sort table TABLE by column COLUMN (from 0), asc or desc
//   #TABLE.COLUMN=VALUE     set the drop-down filter on column COLUMN of
//                           TABLE (rejects.5=NUMBER_TAKEN)
(function () {
  'use strict';

  function bodyRows(table) {
    return Array.prototype.slice.call(table.tBodies[0].rows);
  }

  // selectsFor returns the drop-down filters of a table: each keeps the
  // rows whose cell in its column is the chosen value.
  function selectsFor(table) {
    return Array.prototype.slice.call(document.querySelectorAll('select[data-table="' + table.id + '"]'));
  }

  function filterTable(table, text) {
    var needle = text.trim().toLowerCase();
    var rows = bodyRows(table);
    var selects = selectsFor(table);
    var shown = 0;
    rows.forEach(function (tr) {
      var hit = needle === '' || tr.textContent.toLowerCase().indexOf(needle) >= 0;
      selects.forEach(function (sel) {
        var cell = tr.cells[parseInt(sel.getAttribute('data-column'), 10)];
        if (sel.value !== '' && (!cell || cell.textContent.trim() !== sel.value)) { hit = false; }
      });
      tr.hidden = !hit;
      if (hit) { shown++; }
    });
    var count = document.getElementById(table.id + '-count');
    if (count) { count.textContent = shown + ' of ' + rows.length + ' shown'; }
  }

  var numeric = /^-?\d+(\.\d+)?$/;

  function compareCells(a, b) {
    if (numeric.test(a) && numeric.test(b)) { return Number(a) - Number(b); }
    return a.localeCompare(b);
  }

  function sortTable(table, col, dir) {
    var heads = table.tHead.rows[0].cells;
    if (col < 0 || col >= heads.length) { return; }
    var body = table.tBodies[0];
    var rows = bodyRows(table);
    rows.sort(function (x, y) {
      return dir * compareCells(x.cells[col].textContent.trim(), y.cells[col].textContent.trim());
    });
    rows.forEach(function (tr) { body.appendChild(tr); });
    Array.prototype.forEach.call(heads, function (th) { th.removeAttribute('aria-sort'); });
    heads[col].setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
  }

  var tables = Array.prototype.slice.call(document.querySelectorAll('table.data'));

  function inputFor(table) {
    return document.querySelector('input[data-filter="' + table.id + '"]');
  }

  tables.forEach(function (table) {
    var input = inputFor(table);
    if (input) {
      input.addEventListener('input', function () { filterTable(table, input.value); });
    }
    selectsFor(table).forEach(function (sel) {
      sel.addEventListener('change', function () { filterTable(table, input ? input.value : ''); });
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      var button = th.querySelector('button');
      if (!button) { return; }
      button.addEventListener('click', function () {
        sortTable(table, i, th.getAttribute('aria-sort') === 'ascending' ? -1 : 1);
      });
    });
  });

  function applyFragment() {
    var params = new URLSearchParams(window.location.hash.replace(/^#/, ''));
    var filter = params.get('filter') || '';
    tables.forEach(function (table) {
      var input = inputFor(table);
      if (input) { input.value = filter; }
      selectsFor(table).forEach(function (sel) {
        sel.value = params.get(table.id + '.' + sel.getAttribute('data-column')) || '';
      });
      filterTable(table, filter);
    });
    params.getAll('sort').forEach(function (spec) {
      var parts = spec.split(':');
      var table = document.getElementById(parts[0]);
      if (table && table.classList.contains('data')) {
        sortTable(table, parseInt(parts[1], 10), parts[2] === 'desc' ? -1 : 1);
      }
    });
  }

  window.addEventListener('hashchange', applyFragment);
  applyFragment();
  document.documentElement.setAttribute('data-ready', 'true');
}());
