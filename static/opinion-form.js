// The opinion form counts the characters of the opinion as it is typed, against the limit the
// hint states; screen readers hear only when the text goes over the limit or back under it.
(function () {
  'use strict';
  var field = document.getElementById('f-body');
  var max = field && parseInt(field.getAttribute('data-max-chars'), 10);
  if (!field || !max) return;
  var count = document.createElement('p');
  count.className = 'char-count';
  count.id = 'c-body';
  var alert = document.createElement('p');
  alert.className = 'visually-hidden';
  alert.setAttribute('aria-live', 'polite');
  field.insertAdjacentElement('afterend', alert);
  field.insertAdjacentElement('afterend', count);
  var wasOver = false;

  function update() {
    // The server counts the text as stored: trimmed, each character (not UTF-16 unit) once.
    var n = Array.from(field.value.trim()).length;
    var over = n > max;
    count.textContent = over
      ? '已输入 ' + n + ' 字，超出 ' + (n - max) + ' 字，请精简后再提交。'
      : '已输入 ' + n + ' 字，还可输入 ' + (max - n) + ' 字。';
    count.classList.toggle('over', over);
    if (over !== wasOver) {
      alert.textContent = over ? '意见已超过 ' + max + ' 字的上限。' : '意见字数已在上限以内。';
      wasOver = over;
    }
  }

  field.addEventListener('input', update);
  update();
})();
