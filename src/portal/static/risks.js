// The phone report form (风险隐患上报): each chosen photo is sent to /api/v1/photos first (as its raw
// bytes, with the session's CSRF token; its location kept only when the box is ticked), then the
// form goes with the photos' SHA-256 as hidden fields. "Record my position" fills the optional
// coordinates. Without scripts the form still reports, without photos.
(function () {
  'use strict'
  var form = document.getElementById('risk-form')
  if (!form || !window.fetch) return
  var status = document.getElementById('r-status')
  var files = document.getElementById('r-photos')
  var list = document.getElementById('r-photo-list')
  var keep = document.getElementById('r-keep')
  var button = form.querySelector('button[type=submit]')
  var csrf = form.querySelector('input[name=_csrf]').value
  var sending = false
  function msg (name, a, b) {
    return (form.getAttribute('data-msg-' + name) || '').replace('{0}', a === undefined ? '' : a).replace('{1}', b === undefined ? '' : b)
  }
  function say (text) { status.textContent = text }

  files.addEventListener('change', function () {
    list.textContent = ''
    Array.prototype.forEach.call(files.files, function (f) {
      var item = document.createElement('p')
      item.className = 'r-photo-name'
      item.textContent = f.name + ' (' + Math.round(f.size / 1024) + ' KB)'
      list.appendChild(item)
    })
  })

  var locate = document.getElementById('r-locate')
  if (navigator.geolocation && locate) {
    locate.hidden = false
    locate.addEventListener('click', function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        var lat = pos.coords.latitude.toFixed(6)
        var lon = pos.coords.longitude.toFixed(6)
        document.getElementById('r-lat').value = lat
        document.getElementById('r-lon').value = lon
        document.getElementById('r-located').textContent = msg('located', lat, lon)
      }, function () {
        document.getElementById('r-located').textContent = msg('locate-failed')
      }, { enableHighAccuracy: true, timeout: 15000 })
    })
  }

  function upload (file) {
    return fetch('/api/v1/photos?keepLocation=' + (keep.checked ? 'true' : 'false'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': file.type || 'application/octet-stream', 'x-csrf-token': csrf, accept: 'application/json' },
      body: file,
    }).then(function (res) {
      return res.json().then(function (body) {
        if (!res.ok) throw new Error(msg('failed', file.name, body.message || body.code || res.status))
        return body.sha256
      })
    })
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault()
    if (sending) return
    sending = true
    button.setAttribute('aria-disabled', 'true')
    var chosen = Array.prototype.slice.call(files.files || [])
    var done = []
    var chain = Promise.resolve()
    chosen.forEach(function (file, i) {
      chain = chain.then(function () {
        say(msg('uploading', i + 1, chosen.length))
        return upload(file).then(function (sha) { done.push(sha) })
      })
    })
    chain.then(function () {
      form.querySelectorAll('input[name=photos]').forEach(function (old) { old.remove() })
      done.forEach(function (sha) {
        var input = document.createElement('input')
        input.type = 'hidden'
        input.name = 'photos'
        input.value = sha
        form.appendChild(input)
      })
      say(msg('sending'))
      form.submit()
    }, function (err) {
      say(err.message)
      sending = false
      button.removeAttribute('aria-disabled')
    })
  })
})()
