// The guide's print button, and on the 接件 form: a changed pre-filled value asks for its reason
// (the box appears beside the field), and the form is sent once (a second click waits; the
// hidden requestId makes a repeat harmless anyway). Without scripts the reason boxes show and the
// server asks for a reason when one is missing.
(function () {
  'use strict'
  document.querySelectorAll('[data-print]').forEach(function (button) {
    button.addEventListener('click', function () { window.print() })
  })
  document.querySelectorAll('.m-correct[data-for]').forEach(function (box) {
    var input = document.getElementById(box.getAttribute('data-for'))
    var source = document.getElementById(box.getAttribute('data-for') + '-src')
    if (!input || !source) return
    var original = source.getAttribute('data-prefilled')
    var why = box.querySelector('input[type=text]')
    function update () {
      var changed = input.value.trim() !== original
      box.hidden = !changed
      if (why) why.required = changed
    }
    input.addEventListener('input', update)
    input.addEventListener('change', update)
    update()
  })
  document.querySelectorAll('form[data-once]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      if (form.getAttribute('data-sent')) { event.preventDefault(); return }
      form.setAttribute('data-sent', '1')
      form.querySelectorAll('button[type=submit]').forEach(function (b) { b.setAttribute('aria-disabled', 'true') })
    })
  })
})()
