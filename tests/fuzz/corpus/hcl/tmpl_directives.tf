v = "%{ for k, v in m ~}${k}=${v}%{ endfor }%{if a}x%{else}y%{endif}"
