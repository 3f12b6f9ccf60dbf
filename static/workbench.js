// The review page's workbench from the keyboard: J / K next and previous opinion, 0-4 the decision,
// Ctrl+Enter save and go to the next undecided one. The page works the same without this script.
(function () {
  'use strict';
  var form = document.querySelector('.workbench-panel form.decision-form');
  if (!form) return;
  var statuses = form.querySelectorAll('input[name=status]');
  var reason = form.querySelector('#d-reason');

  function typing(el) {
    if (!el || el.isContentEditable) return true;
    var tag = el.tagName;
    if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
    return tag === 'INPUT' && ['radio', 'checkbox', 'button', 'submit'].indexOf(el.type) < 0;
  }

  function follow(id) {
    var link = document.getElementById(id);
    if (link) window.location.assign(link.href);
  }

  document.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      var next = form.querySelector('#save-next');
      if (form.requestSubmit) form.requestSubmit(next); else next.click();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    if (e.key === 'j' || e.key === 'J') { e.preventDefault(); follow('wb-next'); return; }
    if (e.key === 'k' || e.key === 'K') { e.preventDefault(); follow('wb-prev'); return; }
    var n = '01234'.indexOf(e.key);
    if (n >= 0 && e.key.length === 1 && statuses[n]) {
      e.preventDefault();
      var radio = statuses[n];
      radio.checked = true;
      // 部分采纳 and 不予采纳 need a reason: the cursor goes where it is typed.
      if ((radio.value === 'partly_adopted' || radio.value === 'not_adopted') && reason) reason.focus();
      else radio.focus();
    }
  });
})();
