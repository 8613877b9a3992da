"""Turkish messages of the panel. Keys are shared with en.py (tests check both match)."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    "app.name": "wabroadcast",
    "sandbox.banner": "Deneme modu (sandbox): mesajlar yerleşik simülatöre gider",
    "lang.en": "English",
    "lang.tr": "Türkçe",
    "nav.label": "Ana menü",
    "nav.dashboard": "Genel bakış",
    "nav.send": "Gönder",
    "nav.campaigns": "Kampanyalar",
    "nav.contacts": "Kişiler",
    "nav.templates": "Şablonlar",
    "nav.webhooks": "Webhook kaydı",
    "nav.stats": "İstatistikler",
    "nav.logout": "Çıkış",
    "pager.label": "Sayfalar",
    "pager.previous": "Önceki",
    "pager.next": "Sonraki",
    "pager.page": "Sayfa {page} / {pages}",
    "error.home": "Genel bakışa dön",
    "error.not_found": "Bulunamadı",
    # login
    "login.title": "Giriş",
    "login.help": "Panel anahtarını (WABROADCAST_API_TOKEN) girin. "
    "Tanımlı değilse sunucu açılışta bir anahtar yazdırdı.",
    "login.token": "Anahtar",
    "login.submit": "Giriş yap",
    "login.wrong_token": "Anahtar yanlış.",
    "login.expired": "Giriş formunun süresi doldu; lütfen tekrar deneyin.",
    "login.too_many": "Bu adresten çok fazla hatalı giriş; {minutes} dk sonra tekrar deneyin.",
    # dashboard
    "dashboard.title": "Genel bakış",
    "dashboard.contacts": "Kişi",
    "dashboard.opted_out": "Abonelikten çıkan",
    "dashboard.templates": "Şablon",
    "dashboard.messages_sent": "Gönderilen mesaj",
    "dashboard.new_campaign": "Yeni kampanya",
    "dashboard.recent": "Son kampanyalar",
    # campaigns
    "campaigns.title": "Kampanyalar",
    "campaigns.none": "Henüz kampanya yok.",
    "campaign.title": "Kampanya {id}",
    "campaign.template": "Şablon",
    "campaign.language": "Dil",
    "campaign.state": "Durum",
    "campaign.failed": "Başarısız",
    "campaign.unknown": "Belirsiz",
    "campaign.created": "Oluşturuldu",
    "campaign.started": "Başladı",
    "campaign.finished": "Bitti",
    "campaign.requested": "İstenen",
    "campaign.eligible": "Başlangıçta uygun",
    "campaign.held_back": "Günlük sınır nedeniyle bekletilen",
    "campaign.deferred": "Meta tarafından ertelenen (131049)",
    "campaign.deferred_help": "Meta bunları şimdilik teslim etmedi (kişi başına pazarlama "
    "sınırı); her biri bekleme süresinden sonra, sınırlı sayıda, kendiliğinden yeniden gönderilir.",
    "campaign.retried": "Ertelenen gönderimlerin yeniden denemeleri",
    "campaign.held": "Meta'nın hâlâ beklettiği (şablon kalite değerlendirmesinde)",
    "campaign.held_released": "Bekletildikten sonra Meta'nın gönderdiği",
    "campaign.held_dropped": "Bekletildikten sonra Meta'nın iptal ettiği",
    "campaign.progress": "İlerleme",
    "campaign.processed": "gönderim yanıtlandı",
    "campaign.failures": "Nedene göre hatalar",
    "campaign.no_failures": "Hata yok.",
    "campaign.reason": "Neden",
    "campaign.stage": "Ne zaman",
    "campaign.count": "Adet",
    "campaign.unknown_title": "Sonucu belirsiz",
    "campaign.unknown_help": "Bu gönderimlerin isteği WhatsApp'a ulaşmış da olabilir, "
    "ulaşmamış da (zaman aşımı ya da kopan bağlantı). Otomatik olarak asla yeniden "
    "gönderilmezler; böylece kimse şablonu iki kez almaz. Her biri, durum webhook'u "
    "geldiğinde netleşir.",
    "campaign.release_confirm": "Bu kişilere şablonun iki kez gidebileceğini kabul ediyorum "
    "(ilk mesaj ulaşmış olabilir).",
    "campaign.action.release_unknown": "24 saatten önce ayrılmış {count} bilinmeyen gönderimi "
    "serbest bırak",
    "campaign.release_later": "Bilinmeyen gönderimler, önce bir durum webhook'u sonuçlandırmazsa "
    "ayrıldıktan 24 saat sonra burada serbest bırakılabilir.",
    "campaign.release_title": "Hiçbir şey serbest bırakılmadı",
    "campaign.release_unconfirmed": "Bu kişilere şablonun iki kez gidebileceğini onaylamak için "
    "kutuyu işaretleyin; hiçbir şey serbest bırakılmadı.",
    "campaign.released": "{count} bilinmeyen gönderim serbest bırakıldı: sonraki kampanyalar bu "
    "şablonu o kişilere yeniden gönderebilir.",
    "campaign.action.pause": "Duraklat",
    "campaign.action.resume": "Devam et",
    "campaign.action.cancel": "İptal et",
    "campaign.done.pause": "Kampanya duraklatıldı; yoldaki gönderimler önce tamamlanır.",
    "campaign.done.resume": "Kampanya devam ediyor.",
    "campaign.done.cancel": "Kampanya iptal edildi; artık hiçbir şey gönderilmeyecek.",
    "campaign.not_found": "{id} numaralı kampanya yok.",
    "campaign.live_on": "Canlı: sayılar kendiliğinden güncellenir.",
    "campaign.live_off": "Canlı değil: son sayılar için sayfayı yenileyin.",
    "state.running": "Gönderiliyor",
    "state.waiting": "Bekliyor",
    "waiting.busy": (
        "{number} numarası {campaign} numaralı kampanyayı gönderiyor (süreç {process}); "
        "bu kampanya o bitince başlar."
    ),
    "waiting.busy_unknown": (
        "{number} numarası {process} sürecinde meşgul; boşalınca bu kampanya başlar."
    ),
    "waiting.offered": (
        "{process} süreci numaralardan payına düşeni zaten gönderiyor; {number} numarasını "
        "başka bir sunucuya bırakıyor. Gönderim saniyeler içinde başlar."
    ),
    "waiting.no_sender": (
        "Şu anda hiçbir süreç göndermiyor (göndereni durdu). Çalışan bir sunucu saniyeler"
        " içinde devralır; yoksa burada duraklatıp devam ettirin."
    ),
    "state.paused": "Duraklatıldı",
    "state.cancelled": "İptal edildi",
    "state.completed": "Tamamlandı",
    "state.aborted": "Durduruldu",
    "state_help.running": "Şu anda, numaranın izin verdiği hızda gönderiliyor.",
    "state_help.waiting": (
        "Şu anda gönderilmiyor; nedeni aşağıda yazıyor. Numarası boşalınca gönderilir."
    ),
    "state_help.paused": "Duraklatıldı: devam ettirene kadar hiçbir şey gönderilmez.",
    "state_help.cancelled": "İptal edildi: bu şablonla yeni bir kampanya kalanlara ulaşır.",
    "state_help.completed": "Bitti: seçilen her kişi için yanıt alındı. Durumlar gelmeye "
    "devam eder.",
    "state_help.aborted": "Tüm gönderimleri etkileyen bir hata nedeniyle durdu (aşağıya bakın).",
    "funnel.title": "Huni",
    "funnel.selected": "Seçilen",
    "funnel.accepted": "Kabul edilen",
    "funnel.delivered": "İletilen",
    "funnel.read": "Okunan",
    "funnel.replied": "Yanıtlayan",
    "funnel.help": "Kabul edilen: WhatsApp isteği aldı. İletildi ve okundu bilgisi durum "
    "webhook'larından gelir; alıcı okundu bilgisini kapatmış olabilir.",
    "failure_stage.send": "gönderirken",
    "failure_stage.webhook": "gönderimden sonra (webhook)",
    # send
    "send.title": "Şablon gönder",
    "send.template": "Şablon",
    "send.choose_template": "Bir şablon seçin…",
    "send.language": "Dil",
    "send.count": "Kaç kişiye",
    "send.eligible": "Uygun kişi",
    "send.will_send": "bu kampanya {count} gönderecek",
    "cost.title": "Ücretlendirilen tutar",
    "cost.line": "{market} ({category}): {count} × {price} = {cost}",
    "cost.free": "{count} ücretsiz (müşteri hizmetleri ya da ücretsiz giriş noktası penceresi)",
    "cost.none": "Henüz fiyat bilgisi içeren durum webhook'u gelmedi.",
    "cost.note": "Durum webhook'larındaki Meta fiyatlandırması, {date} tarihli ücret tablosuyla.",
    "send.estimate": "Tahmini maliyet: {total}",
    "send.estimate_line": "{market} ({category}): {count} × {price}",
    "send.estimate_unpriced": "{count} mesajın ücret tablosunda fiyatı yok",
    "send.estimate_note": "{date} tarihli ücret tablosuna göre; Meta'nın güncel fiyatlarını "
    "kontrol edin.",
    "send.submit": "Kampanyayı başlat",
    "send.skipped_us": "{count} ABD (+1) numarası atlandı: Meta, 1 Nisan 2025'ten beri "
    "pazarlama şablonlarını ABD numaralarına iletmiyor; MARKETING_TO_US=true ayarıyla bu "
    "numaralara da gönderilir.",
    "send.skipped_us_one": "1 ABD (+1) numarası atlandı: Meta, 1 Nisan 2025'ten beri "
    "pazarlama şablonlarını ABD numaralarına iletmiyor; MARKETING_TO_US=true ayarıyla bu "
    "numaralara da gönderilir.",
    "send.never_twice": "Her kişi bir şablonu en fazla bir kez alır: şablonu daha önce "
    "almış, abonelikten çıkmış ya da ulaşılamayan kişiler asla seçilmez.",
    "send.no_templates": "Henüz kayıtlı şablon yok. WhatsApp Business hesabınızdan alın:",
    "send.preview_title": "İlk alıcılar (deneme)",
    "send.preview_help": "Kampanyanın gönderim sırasıyla ilk ulaşacağı kişiler. "
    "Hiçbir şey gönderilmez.",
    "send.message_title": "İlk mesaj şöyle görünecek:",
    "send.preview_empty": "Kimin alacağını görmek için bir şablon seçin.",
    "send.disabled": "Gönderim kapalı: {reason}.",
    "send.error.template": "Bir şablon seçin.",
    "send.error.language": "Şablonun dilini seçin.",
    "send.error.parameters": "Şablon parametreleri kullanılamıyor: {reason}.",
    "send.error.audience": "Hedef kitle kullanılamıyor: {reason}.",
    "send.audience": "Hedef kitle",
    "send.audience_help": "Tüm kişilere göndermek için hepsini boş bırakın.",
    "send.audience.tags": "Etiketler (; ile ayrılmış)",
    "send.audience.match": "Kişilerde",
    "send.audience.match.any": "bu etiketlerden biri olsun",
    "send.audience.match.all": "bu etiketlerin hepsi olsun",
    "send.audience.where": "Koşullar, her satıra bir tane (ör. city = İzmir)",
    "send.audience.exclude_tags": "Bu etiketli kişileri çıkar (; ile ayrılmış)",
    "send.audience.exclude_replied_days": "Son kaç günde yanıt verenleri çıkar",
    "send.error.limit": "Adet 1 ile {max} arasında bir tam sayı olmalı.",
    # contacts
    "contacts.title": "Kişiler",
    "contacts.import_title": "Kişileri içe aktar",
    "contacts.import_help": "Eski contacts_with_index.json dosyası ya da telefon ve isim "
    "sütunları olan bir CSV. Hatalı satırlar listelenir; doğru satırların hepsi alınır. "
    "Aynı dosyayı tekrar yüklemek hiçbir şeyi değiştirmez.",
    "contacts.file": "Dosya (JSON ya da CSV)",
    "contacts.import_submit": "İçe aktar",
    "contacts.report_title": "İçe aktarma raporu: {file}",
    "contacts.report.imported": "eklendi",
    "contacts.report.updated": "güncellendi",
    "contacts.report.unchanged": "değişmedi",
    "contacts.report.rejected": "reddedildi",
    "contacts.line": "Yer",
    "contacts.reason": "Sorun",
    "contacts.more_problems": "…ve {count} sorun daha.",
    "contacts.error.no_file": "İçe aktarılacak bir dosya seçin.",
    "contacts.error.too_large": "Dosya, panelin kabul ettiği en büyük boyut olan {limit} "
    "bayttan büyük; dosyayı daha küçük dosyalara bölüp tek tek içe aktarın.",
    "import_error.cannot_open": "{file} açılamıyor: {detail}",
    "import_error.json_empty": "{file}: satır {line}, sütun {column}: dosya boş; kişilerin JSON "
    "listesi `[{{...}}, ...]` gerekiyor",
    "import_error.json_not_list": "{file}: satır {line}, sütun {column}: kişilerin JSON listesi "
    "`[{{...}}, ...]` bekleniyordu, bulunan: {found}",
    "import_error.json_encoding": "{file}: satır {line}, sütun {column}: geçerli {encoding} metni "
    "değil; dosya cp1254 ya da latin-1 ile kaydedildiyse UTF-8 olarak kaydedip yeniden yükleyin",
    "import_error.json_broken": "{file}: bozuk JSON, satır {line}, sütun {column}: {detail}",
    "import_error.csv_empty": "{file}: dosya boş (bir başlık satırı gerekiyor)",
    "import_error.csv_header_broken": "{file}: satır 1: başlık okunabilir bir CSV satırı değil: "
    "{detail}",
    "import_error.csv_header_encoding": "{file}: satır 1: başlık geçerli {encoding} metni değil; "
    "dosya cp1254 ya da latin-1 ile kaydedildiyse UTF-8 olarak kaydedip yeniden yükleyin",
    "import_error.csv_no_phone_column": "{file}: telefon numarasının hangi sütunda olduğu "
    "anlaşılamıyor (başlık: {header}); o sütunun adını phone, telefon ya da gsm yapıp dosyayı "
    "yeniden yükleyin",
    "import_error.csv_no_column": "{column} adında bir sütun yok; başlıktaki sütunlar: {header}",
    "import_error.wrong_encoding": "{file}: dosya {encoding} değil, {found} metni; UTF-8 olarak "
    "kaydedip yeniden yükleyin",
    "import_error.unknown_encoding": "bilinmeyen kodlama: {encoding}",
    "import_error.not_text_encoding": "{encoding} dosyalar için bir metin kodlaması değil; "
    "örneğin utf-8, utf-16, cp1254 ya da latin-1 kullanın",
    "import_error.unknown_format": "bilinmeyen biçim: {format}; dosya JSON ya da CSV olmalı",
    "contacts.tag_filter": "Etiket",
    "contacts.tag_filter.any": "Tüm etiketler",
    "contacts.tags": "Etiketler",
    "contacts.tags.title": "Kişilerin etiketleri",
    "contacts.tags.names": "Etiketler",
    "contacts.tags.placeholder": "Etiketler, ; ile ayrılmış (ör. vip; izmir)",
    "contacts.tags.scope": "Uygulanacak kişiler",
    "contacts.tags.scope.selected": "işaretlenen kişiler",
    "contacts.tags.scope.filtered": "bu listedeki {count} kişinin tümü",
    "contacts.tags.add": "Etiket ekle",
    "contacts.tags.remove": "Etiketi kaldır",
    "contacts.tags.select": "Seç",
    "contacts.tags.select_one": "{phone} numarasını seç",
    "contacts.tags.added": "{count} etiket eklendi ({contacts} kişi seçildi).",
    "contacts.tags.removed": "{count} etiket kaldırıldı ({contacts} kişi seçildi).",
    "contacts.tags.none_selected": "Değiştirilecek kişileri işaretleyin ya da tüm listeye "
    "uygulayın.",
    "contacts.tags.no_tags": "Eklenecek ya da kaldırılacak etiketleri yazın.",
    "contacts.tags.invalid": "Etiketler kullanılamıyor: {reason}.",
    "contacts.search": "Ara",
    "contacts.search_placeholder": "İsim, numara ya da BSUID",
    "contacts.filter": "Göster",
    "contacts.filter.all": "Tüm kişiler",
    "contacts.filter.opted_out": "Abonelikten çıkanlar",
    "contacts.filter.unreachable": "Ulaşılamayanlar",
    "contacts.total": "{count} kişi",
    "contacts.index": "#",
    "contacts.open": "(adsız)",
    "contacts.export_all": "Tüm kişilere yapılan tüm gönderimler:",
    "contact.not_found": "{id} numaralı kişi yok.",
    "contact.export": "Bu kişiye yapılan gönderimler:",
    "contact.sends": "Gönderimler",
    "contact.template": "Şablon",
    "contact.campaign": "Kampanya",
    "contact.stages": "Aşamalar",
    "contact.error": "Hata",
    "contact.pricing": "Fiyatlandırma",
    "contact.stage.claimed": "Ayrıldı",
    "contact.stage.accepted": "Kabul edildi",
    "contact.stage.sent": "Gönderildi",
    "contact.stage.delivered": "İletildi",
    "contact.stage.read": "Okundu",
    "contact.stage.failed": "Başarısız",
    "contact.no_sends": "Bu kişiye henüz bir şey gönderilmedi.",
    "contact.replies": "Yanıtlar",
    "contact.no_replies": "Yanıt yok.",
    "contact.opt_outs": "Abonelikten çıkma ve yeniden katılma",
    "contact.no_opt_outs": "Yok.",
    "contact.action.stop": "abonelikten çıktı",
    "contact.action.resume": "yeniden abone oldu",
    "contacts.name": "İsim",
    "contacts.bsuid": "BSUID",
    "contacts.bsuid_help": (
        "İşletmeye özel kullanıcı kimliği: WhatsApp'ın bu kişiye işletmeniz için verdiği kimlik"
    ),
    "contacts.phone": "Numara",
    "contacts.opt_out": "Pazarlama",
    "contacts.opted_out": "Çıktı",
    "contacts.subscribed": "Abone",
    "contacts.reachability": "Ulaşılabilir",
    "contacts.unreachable": "Ulaşılamıyor",
    "contacts.none": "Eşleşen kişi yok.",
    "contacts.order": "Sıralama",
    "contacts.order.send": "Gönderim sırası",
    "contacts.order.newest": "Önce en yeni içe aktarılanlar",
    "contacts.hide_demo": "Demo kişileri gizle",
    "contacts.show_demo": "Demo kişileri göster",
    # templates
    "templates.title": "Şablonlar",
    "templates.help": "WhatsApp Business hesabınızdan en son alınan şablonlar. Yalnızca "
    "ONAYLI (APPROVED) olanlar gönderilebilir.",
    "templates.name": "Ad",
    "templates.language": "Dil",
    "templates.status": "Durum",
    "templates.category": "Kategori",
    "templates.body": "Metin",
    "templates.sent": "Gönderilen",
    "templates.synced": "Alındı",
    "templates.send": "Gönder…",
    "templates.none": "Henüz kayıtlı şablon yok.",
    "templates.actions": "İşlemler",
    "templates.category_changed": "{when} tarihine kadar {previous} idi "
    "(Meta kategorisini değiştirdi)",
    "templates.category_coming": "Meta bunu {when} tarihinde {category} yapacak",
    "numbers.title": "İşletme numaraları",
    "numbers.number": "Numara",
    "numbers.rate": "Gönderim hızı",
    "numbers.daily_limit": "Günlük alıcı sınırı",
    "numbers.quality": "Son kalite olayı",
    "numbers.per_second": "saniyede {rate} mesaj",
    "numbers.from_webhook": "Meta'nın {when} tarihli webhook'undan",
    "numbers.from_setting": "{name} ayarından",
    "numbers.unlimited": "sınırsız",
    "numbers.read_at_start": "kampanya başlarken Meta'dan okunur",
    "numbers.no_news": "gelmedi",
    # webhook log
    "webhooks.title": "Webhook kaydı",
    "webhooks.help": "WhatsApp'ın gönderdiği imzalı her webhook, en yenisi üstte; işlenmeden "
    "önce saklanır. Ham içeriği görmek için birini açın.",
    "webhooks.unknown_kind": "diğer",
    "webhooks.processed": "işlendi",
    "webhooks.pending": "bekliyor",
    "webhooks.error": "hata",
    "webhooks.none": "Henüz webhook gelmedi.",
    "webhooks.newest": "En yeniler",
    "webhooks.older": "Daha eski",
    "webhooks.none_older": "Daha eski webhook yok.",
    # stats
    "stats.title": "İstatistikler",
    "stats.range": "Dönem",
    "stats.days": "{count} gün",
    "stats.chart_title": "Günlük gönderim, iletim, okunma ve yanıtlar (UTC)",
    "stats.sends": "Gönderim",
    "stats.deliveries": "İletim",
    "stats.reads": "Okunma",
    "stats.replies": "Yanıt",
    "stats.table": "Günlük sayılar",
    "stats.day": "Gün",
    "stats.rates_title": "Şablon başına oranlar",
    "stats.rates_help": (
        "Her UTC günü kabul edilen gönderimlerden şimdiye dek iletilen, okunan ve yanıt "
        "alanların payı."
    ),
    "stats.rates_chart_title": (
        "{template}: gönderim gününe göre iletim, okunma ve yanıt oranları (UTC)"
    ),
    "stats.rates_chart_desc": (
        "Her gün kabul edilen gönderimlerin yüzdeleri, gönderim olan {days} gün; sayılar "
        "aşağıdaki tabloda."
    ),
    "stats.rates_sent": "{count} gönderim",
    "stats.rates_none": "Bu dönemde hiçbir şablon gönderilmedi.",
    "stats.rates_more": (
        "Bu dönemde {count} şablon daha gönderildi; GET /api/stats/templates hepsini listeler."
    ),
    "stats.rate.delivered": "İletildi",
    "stats.rate.read": "Okundu",
    "stats.rate.replied": "Yanıtlandı",
    # schedules, template sync, retry failed (issue 8)
    "nav.schedules": "Zamanlamalar",
    "templates.sync": "Şablonları eşitle",
    "templates.sync_failed": "Şablon eşitleme başarısız: {error}",
    "templates.synced_summary": "{names} şablon ({total} dil ile) eşitlendi: {added} yeni, "
    "{updated} değişen, "
    "{gone} artık listelenmiyor (DELETED olarak işaretlendi).",
    "campaign.action.retry_failed": "Başarısızları yeniden dene ({count})",
    "campaign.retry_help": "Yalnızca yeniden denenebilir bir nedenle (hız sınırı, çok fazla "
    "mesaj, Cloud API hataları) gönderilemeyen kişilere yeni bir kampanya; bu arada şablonu "
    "alanlar, çıkış yapanlar ve ulaşılamayanlar hariç.",
    "campaign.retry_refused": "Yeniden denenecek bir şey yok",
    "campaign.retry_of": "Yeniden denediği kampanya",
    "campaign.retarget_of": "Yeniden hedeflediği kampanya",
    "retarget.title": "Yeniden hedefle",
    "retarget.help": "Bu kampanyanın mesajını seçtiğiniz gün içinde okumayan (ya da yanıtlamayan) "
    "kişilerine başka bir şablonla yeni bir kampanya. Hiçbir kişiye iki kez gönderilmez; "
    "abonelikten çıkanlar ve günlük sınır her kampanyada olduğu gibi geçerlidir.",
    "retarget.template": "Şablon",
    "retarget.when": "Kimler",
    "retarget.when.not-read": "okumayanlar",
    "retarget.when.not-replied": "yanıt vermeyenler",
    "retarget.after_days": "Kaç gün sonra",
    "retarget.after_days_help": "Meta mesajlarını kabul ettikten 1 ile 90 gün sonra.",
    "retarget.after_days_value": "{days} gün sonra",
    "retarget.limit": "Sınır",
    "retarget.limit_help": "Şimdi uygun olan herkes için boş bırakın.",
    "retarget.submit": "Yeniden hedefleme kampanyası oluştur",
    "retarget.no_templates": "Kayıtlı başka onaylı şablon yok: önce şablonları eşitleyin.",
    "schedules.title": "Günlük zamanlamalar",
    "schedules.help": "Bir zamanlama, herkes alana kadar her gün belirli bir saatte sıradaki "
    "kişilere bir şablon gönderir. Hiçbir şey çalışmazken kaçırılan günler atlanır (aşağıda not "
    "edilir), asla iki kez gönderilmez.",
    "schedules.none": "Henüz zamanlama yok.",
    "schedules.template": "Şablon",
    "schedules.language": "Dil",
    "schedules.daily": "Günlük",
    "schedules.time": "Saat",
    "schedules.window": "Gönderim aralığı",
    "schedules.state": "Durum",
    "schedules.next_run": "Sonraki çalışma",
    "schedules.eligible": "Ulaşılacak kişi",
    "schedules.days_remaining": "Kalan gün",
    "schedules.finish_on": "Son gün",
    "schedules.notes": "Notlar",
    "schedules.actions": "İşlemler",
    "schedules.missed": "{count} kaçırılan gün atlandı",
    "schedules.missed_one": "1 kaçırılan gün atlandı",
    "schedules.action.pause": "Duraklat",
    "schedules.action.resume": "Devam et",
    "schedules.action.delete": "Sil",
    "schedules.done.create": "Zamanlama oluşturuldu.",
    "schedules.done.pause": "Zamanlama duraklatıldı; devam ettirene kadar yeni gün başlamaz.",
    "schedules.done.resume": "Zamanlama sonraki saatinden devam ediyor.",
    "schedules.done.delete": "Zamanlama silindi; kampanyaları ve gönderimleri duruyor.",
    "schedules.not_found": "{id} numaralı zamanlama yok.",
    "schedules.create_title": "Yeni zamanlama",
    "schedules.daily_count": "Günlük kişi sayısı",
    "schedules.time_of_day": "Saat (SS:DD)",
    "schedules.time_zone": "Saat dilimi (IANA, ör. Europe/Istanbul)",
    "schedules.window_start": "Gönderim aralığı başlangıcı (isteğe bağlı)",
    "schedules.window_end": "Gönderim aralığı bitişi (isteğe bağlı)",
    "schedules.window_help": "Aralığın dışında günün kampanyası duraklar, aralık içinde devam "
    "eder.",
    "parameters.label": "Şablon parametreleri (isteğe bağlı, her satıra bir tane)",
    "parameters.help": "1=name:Yedek ilk değişkene kişinin adını (boşsa Yedek), "
    "2=attributes.city bir kişi özelliğini, 3==sabit metin herkese aynı metni koyar.",
    "schedules.submit": "Zamanlama oluştur",
    "schedules.days_help": "Kalan gün = ulaşılacak kişi ÷ günlük kişi sayısı, yukarı yuvarlanır.",
    "schedules.error.template": "Bir şablon seçin.",
    "schedules.error.language": "Şablonun dilini yazın (ör. tr veya en_US).",
    "schedules.error.daily_count": "Günlük kişi sayısı en az 1 olan bir tam sayı olmalı.",
    "schedule_state.active": "Etkin",
    "schedule_state.paused": "Duraklatıldı",
    "schedule_state.finished": "Bitti",
    # why a send failed (campaign failures table); one per Cloud API error code
    "failure.no_answer": "Cloud API'den yanıt gelmedi",
    "failure.failed": "başarısız",
    "error_code.permission": "izin eksik",
    "error_code.unlisted": "listede olmayan hata",
    "error_code.4": "uygulamanın API çağrı sınırı aşıldı",
    "error_code.80007": "WABA API çağrı sınırı aşıldı",
    "error_code.130429": "numaranın saniyedeki mesaj sınırı aşıldı",
    "error_code.131057": "hesap bakımda (hız yükseltmesi sürüyor)",
    "error_code.131056": "bu alıcıya çok fazla mesaj gönderildi",
    "error_code.1": "geçersiz istek ya da olası sunucu hatası",
    "error_code.2": "geçici aşırı yük",
    "error_code.131000": "bilinmeyen hata",
    "error_code.131016": "hizmet geçici olarak kullanılamıyor",
    "error_code.0": "erişim anahtarı geçersiz ya da süresi dolmuş",
    "error_code.190": "erişim anahtarı geçersiz ya da süresi dolmuş",
    "error_code.3": "yetenek ya da izin eksik",
    "error_code.10": "izin reddedildi",
    "error_code.100": "geçersiz parametre",
    "error_code.131005": "erişim reddedildi",
    "error_code.131008": "gerekli parametre eksik",
    "error_code.131009": "parametre değeri geçersiz",
    "error_code.131031": "işletme hesabı kilitli ya da kısıtlı",
    "error_code.368": "işletme hesabı politika nedeniyle kısıtlandı",
    "error_code.131042": "ödeme yöntemi sorunu",
    "error_code.131048": "spam oranı sınırı: numara kısıtlandı",
    "error_code.131063": "Cloud API'de pazarlama şablonları kapalı",
    "error_code.131064": "yanlış kategorilenmiş şablon için mesaj sınırı",
    "error_code.132000": "parametre sayısı şablonla uyuşmuyor",
    "error_code.132001": "şablon bu dilde yok",
    "error_code.132005": "çevrilmiş metin çok uzun",
    "error_code.132007": "şablon içeriği politikaya aykırı",
    "error_code.132012": "parametre biçimi uyuşmuyor",
    "error_code.132015": "şablon düşük kalite nedeniyle duraklatıldı",
    "error_code.132016": "şablon kalıcı olarak devre dışı",
    "error_code.131053": "başlık medyası yüklenemedi ya da alınamadı",
    "error_code.131026": "teslim edilemedi: WhatsApp'ta değil ya da mesaj alamıyor",
    "error_code.131049": "etkileşimi sağlıklı tutmak için teslim edilmedi "
    "(kişi başı pazarlama sınırı)",
    "error_code.131050": "alıcı pazarlama mesajlarını durdurdu",
    "error_code.131021": "alıcı gönderenin kendisi",
    "error_code.130472": "alıcı bir pazarlama deneyinin kontrol grubunda",
    "error_code.131047": "kullanıcının son mesajının üzerinden 24 saatten fazla geçti",
    "error_code.130403": "işletme bu kullanıcıyı engelledi",
    "error_code.130497": "işletme bu ülkedeki kullanıcılara mesaj gönderemiyor",
    "error_code.131062": "işletmeye özel kullanıcı kimliği burada desteklenmiyor",
    "error_code.131030": "alıcı test numarasının izinli listesinde değil",
    "error_code.131055": "Marketing Messages API yalnızca pazarlama şablonlarını kabul eder",
    "error_code.134100": "Marketing Messages API yalnızca pazarlama şablonlarını kabul eder",
    "error_code.134101": "şablon Marketing Messages API'ye henüz aktarılıyor",
    "error_code.134102": "şablon Marketing Messages API için uygun değil",
    # why an imported row was rejected (web/reasons.py matches the importer's sentences)
    "import_reason.no_phone": "telefon numarası yok",
    "import_reason.phone_type": "telefon numarası metin olmalı, {type} geldi",
    "import_reason.name_too_long": "ad {limit} karakterden uzun",
    "import_reason.name_type": "ad metin olmalı, {type} geldi",
    "import_reason.index_type": "sıra bir tam sayı olmalı, {value} geldi",
    "import_reason.duplicate_line": "yinelenen kayıt: {phone} zaten {line}. satırda var",
    "import_reason.duplicate_earlier": "yinelenen kayıt: {phone} bu dosyada daha önce var",
    "import_reason.json_missing_comma": "bozuk JSON: {element}. öğeden sonra ',' eksik (sonraki "
    "öğe okunuyor)",
    "import_reason.json_truncated": "bozuk JSON: dosya listenin ortasında bitiyor (yarım mı "
    "kaldı?)",
    "import_reason.broken_json": "bozuk JSON: {detail}",
    "import_reason.broken_csv": "bozuk CSV: {detail}",
    "import_reason.not_an_object": "öğe {type}, kişinin alanlarını içeren bir nesne değil",
    "import_reason.not_encoding": "geçerli {encoding} metni değil; dosya cp1254 ya da latin-1 ile "
    "kaydedildiyse UTF-8 olarak kaydedip yeniden yükleyin",
    "import_reason.surrogate": "metinde eşi olmayan bir vekil karakter var (\\ud800 gibi eşsiz "
    "bir JSON kaçışı); bu bir karakter değil",
    "import_reason.too_many_fields": "{fields} alan var ama başlıkta {width} alan var (tırnaksız "
    "bir '{delimiter}'?)",
    "import_reason.quote_runs_over": "kapanmayan tırnak: tırnaklı bir alan bu satırda başlıyor ve "
    "kendi başına bir satıra benzeyen {line}. satıra taşıyor; bu satır atlandı, sonraki satırlar "
    "ayrı satır olarak okundu",
    "import_reason.quote_never_closed": "kapanmayan tırnak: tırnaklı bir alan bu satırda başlıyor "
    "ve hiç kapanmıyor; bu satır atlandı, sonraki satırlar ayrı satır olarak okundu",
    "import_reason.unknown_country": "bilinmeyen ülke kodu: {value}",
    "import_reason.not_a_phone": "telefon numarası değil: {value}",
    "import_reason.too_short": "telefon numarası için çok kısa: {value}",
    "import_reason.too_long": "telefon numarası için çok uzun: {value}",
    "import_reason.invalid_phone": "geçerli bir telefon numarası değil: {value}",
    "import_reason.invalid_for_country": "ülkesi için geçerli bir numara değil: {value}",
    "import_reason.element": "{place} ({element}. öğe)",
    # schedule notes (web/reasons.py matches the scheduler's sentences)
    "schedule_note.created": "oluşturuldu",
    "schedule_note.paused": "duraklatıldı",
    "schedule_note.resumed": "sürdürüldü",
    "schedule_note.finished": "bitti: uygun her kişi şablonu aldı",
    "schedule_note.no_contact_left": "uygun kişi kalmadı",
    "schedule_note.skipped": "atlandı: {time} {zone} saatinde çalışan bir süreç yoktu; telafi "
    "edilmedi, böylece hiçbir gün {daily} kişiden fazlasına göndermez",
    "schedule_note.days_skipped": "{days} gün atlandı ({first} – {last}): o saatlerde çalışan bir "
    "süreç yoktu; telafi edilmedi",
    "schedule_note.not_started": "başlatılmadı: {detail}",
    "schedule_note.stopped_before_start": "süreç, günün kampanyası başlamadan durdu",
    "schedule_note.window_closed": "gönderim aralığı, günün kişilerinin hepsine gönderilmeden "
    "kapandı",
    "schedule_note.day_ended": "gün, kampanyası bitmeden sona erdi (süreç mi durduruldu?)",
    "schedule_note.window_pause": "duraklatıldı: gönderim aralığı kapanıyor; şimdiye kadar "
    "{accepted} kabul, {failed} başarısız",
    "schedule_note.campaign_error": "kampanya {state} ({error}): {accepted} kabul, {failed} "
    "başarısız",
    "schedule_note.campaign": "kampanya {state}: {accepted} kabul, {failed} başarısız",
    # why a campaign stopped (web/reasons.py matches the engine's sentences)
    "campaign_error.interrupted": "yarıda kesildi: gönderen süreç durduruldu; kalanları göndermek "
    "için kampanyayı sürdürün",
    "campaign_error.outside_window": "zamanlamanın gönderim aralığının dışında",
    "campaign_error.lease_lost": "gönderim kilidi kaybedildi",
    "campaign_error.database": "veritabanı hatası",
    "campaign_error.token": "erişim anahtarı geçersiz ya da süresi dolmuş",
    "campaign_error.no_template": "'{template}' şablonu '{language}' dilinde yok",
    "campaign_error.template_paused": "'{template}' ({language}) şablonu düşük kalite nedeniyle "
    "Meta tarafından duraklatıldı",
    "campaign_error.template_paused_resume": "'{template}' ({language}) şablonu düşük kalite "
    "nedeniyle Meta tarafından duraklatıldı (132015); şablonu WhatsApp Manager'da yeniden "
    "etkinleştirip kampanyayı sürdürün",
    "campaign_error.held_dropped": "'{template}' ({language}) şablonu düşük kalite nedeniyle "
    "Meta tarafından duraklatıldı (132015) — bekletilen mesajlar gönderilmedi; şablonu WhatsApp "
    "Manager'da yeniden etkinleştirip kampanyayı sürdürün",
    "campaign_error.template_disabled": "'{template}' ({language}) şablonu Meta tarafından kalıcı "
    "olarak devre dışı bırakıldı",
    "campaign_error.template_event": "'{template}' ({language}) şablonunun durumu Meta tarafından "
    "{event} yapıldı",
    "campaign_error.template_event_reason": "'{template}' ({language}) şablonunun durumu Meta "
    "tarafından {event} yapıldı (neden: {meta})",
    "campaign_error.paused_quality": "duraklatıldı: {reason}{trace}; numaranın kalitesini "
    "WhatsApp Manager'da kontrol edip kampanyayı sürdürün",
    "campaign_error.error_streak": "art arda {count} gönderim başarısız olduğu için duraklatıldı "
    "(son: {last})",
    "campaign_error.fatal": "{reason} (Cloud API: {message})",
    "campaign_error.mm_terms": "duraklatıldı: işletme portföyü Marketing Messages API "
    "koşullarını kabul etmemiş; koşulları WhatsApp Manager'da (ya da Meta Business Suite'te) "
    "Marketing Messages API uyarısından kabul edip kampanyayı sürdürün",
    "campaign_error.mm_syncing": "duraklatıldı: şablon Marketing Messages API'ye henüz "
    "aktarılıyor{trace}; yeni ya da değiştirilmiş bir şablonun oraya ulaşması 10 dakika "
    "kadar sürebilir, kampanyayı biraz sonra sürdürün",
    "campaign_error.mm_not_marketing": "Marketing Messages API '{template}' ({language}) "
    "şablonunu PAZARLAMA şablonu olmadığı için reddetti ({number}); Meta kategorisini değiştirmiş "
    "olabilir: şablonları eşitleyip yeniden gönderin (artık pazarlama olmayan bir şablon "
    "/messages üzerinden gider)",
    # kampanyanın gönderimlerinin hangi Cloud API uç noktasından gittiği
    "campaign.endpoints": "Gönderim yolu",
    "endpoint.messages": "Cloud API (/messages)",
    "endpoint.marketing_messages": "Marketing Messages API",
    "campaign_note.fallback_terms": "{time} UTC'den itibaren /messages üzerinden gönderildi: "
    "işletme portföyü Marketing Messages API koşullarını kabul etmemiş (koşulları WhatsApp "
    "Manager'da ya da Meta Business Suite'te kabul edin). Sonraki çalıştırma Marketing "
    "Messages API'yi yeniden dener.",
    "campaign_note.fallback_ineligible": "{time} UTC'den itibaren /messages üzerinden "
    "gönderildi: şablon Marketing Messages API için uygun değil (134102). Sonraki çalıştırma "
    "yeniden dener.",
    # HTTP API error messages (web/error_language.py, for Accept-Language)
    "api_error.not_found": "{what} {id} yok",
    "api_error.what.campaign": "kampanya",
    "api_error.what.contact": "kişi",
    "api_error.what.schedule": "zamanlama",
    "api_error.auth_required": "kimlik doğrulaması gerekli: 'Authorization: Bearer "
    "<WABROADCAST_API_TOKEN>' başlığını gönderin",
    "api_error.wrong_token": "API anahtarı yanlış",
    "api_error.csrf": "CSRF anahtarı eksik ya da yanlış; sayfayı yenileyip yeniden deneyin",
    "api_error.too_many_logins": "bu adresten çok fazla başarısız giriş var; {minutes} dakika "
    "sonra yeniden deneyin",
    "api_error.body_too_large": "istek gövdesi {limit} bayttan büyük ({setting} ayarı)",
    "api_error.body_too_large_plain": "istek gövdesi {limit} bayttan büyük",
    "api_error.upload_too_large": "{file}dosya {limit} bayttan büyük (MAX_UPLOAD_BYTES ayarı)",
    "api_error.too_many_phones": "tek çağrıda {count} telefon numarası; en fazla {max} (listeyi "
    "bölün)",
    "api_error.template_missing": "'{name}' şablonu yok; hesapta olanlar: {known}",
    "api_error.template_none": "'{name}' şablonu yok; hesapta hiç şablon yok",
    "api_error.template_empty": "şablon adı boş",
    "api_error.limit_range": "sınır 1 ile {max} arasında olmalı, {got} geldi",
    # bir kampanyanın oluşturulmadan reddedilme nedenleri (web/reasons.py)
    "api_error.not_template_name": "{name} bir şablon adı değil: Meta'nın şablon adları en fazla "
    "{max} küçük harf, rakam ve alt çizgiden oluşur (ör. daily_offer)",
    "api_error.not_language_code": "{language} bir dil kodu değil; şablonun onaylandığı kodu "
    "aynen kullanın, ör. tr ya da en_US",
    "api_error.unknown_phone_number": "{id} telefon numarası kimliği yapılandırılmamış "
    "(PHONE_NUMBER_ID / PHONE_NUMBERS listesi: {known})",
    "api_error.template_unknown_offline": "'{name}' şablonu burada bilinmiyor ve Cloud API'ye şu "
    "an sorulamıyor (gönderim kullanılamıyor); gönderim yeniden kullanılabilir olduğunda "
    "Şablonlar sayfasından şablonları eşitleyin",
    "api_error.template_list_unreadable": "'{name}' şablonu burada bilinmiyor ve şablon listesi "
    "Cloud API'den okunamadı ({error}); yeniden deneyin ya da Şablonlar sayfasından şablonları "
    "eşitleyin",
    "api_error.template_language": "'{name}' şablonu '{language}' dilinde yok; şu dillerde var: "
    "{available}",
    "api_error.template_status": "'{name}' şablonu gönderilemez: durumu {status}",
    "api_error.parameters_misfit": "parametreler '{name}' ({language}) şablonuna uymuyor: "
    "{problems}",
    "api_error.parameter.missing": "{where} içindeki {variable} için değer verilmedi",
    "api_error.parameter.extra": "{where} içinde {variable} yok",
    "api_error.parameter.not_media": "header bir medya başlığı değil; verilen {kind} kaldırılmalı",
    "api_error.parameter.media_missing": "header için {kind} gerekiyor: bir link ya da "
    "yüklenmiş medya kimliği verin",
    "api_error.parameter.media_other": "header {wanted} olmalı, {kind} değil",
    "api_error.parameter.button_missing": "{index} numaralı düğme ({kind}) için değer gerekiyor",
    "api_error.parameter.button_extra": "{index} numaralı düğme değer almaz",
    "api_error.media.image": "görsel",
    "api_error.media.video": "video",
    "api_error.media.document": "belge",
    "api_error.media_a.image": "görsel",
    "api_error.media_a.video": "video",
    "api_error.media_a.document": "belge",
    "api_error.contacts_lack_value": "{count} kişide değer eksik ve parametrenin yedeği yok: "
    "{shown}{more}. Parametreye bir yedek ekleyin, ör. 1=name:Müşterimiz",
    "api_error.empty_value": "{phone} kişisi: {where} {variable} ({source}) boş ve yedeği yok",
    "api_error.and_more": " (ve {more} kişi daha)",
    "api_error.parameter_sections": "parameters: bilinmeyen bölümler {sections}; body, header "
    "ya da buttons kullanın",
    "api_error.button_key": "buttons: {key} anahtarı sıfırdan başlayan düğme sırası olmalı",
    "api_error.header_object": "header: {example} gibi bir nesne bekleniyordu",
    "api_error.header_kind": "header: {kind} türü şunlardan biri değil: {kinds}",
    "api_error.header_link_or_id": "header {kind}: 'link' ya da 'id' (yüklenmiş medya kimliği) "
    "alanlarından yalnızca birini verin",
    "api_error.header_link": "header {kind}: link bir http(s) adresi olmalı, {link} geldi",
    "api_error.header_media_id": "header {kind}: medya kimliği yalnızca rakamlardan oluşmalı, "
    "{id} geldi",
    "api_error.value_empty_field": "{where}: {raw} içinde alan adı boş",
    "api_error.value_keys": "{where}: bilinmeyen anahtarlar {keys}; field, fallback ya da text "
    "kullanın",
    "api_error.value_missing": "{where}: bir field, fallback ya da text verin",
    "api_error.value_type": "{where}: bir alan adı ya da nesne bekleniyordu, {type} geldi",
    "api_error.values_type": "{where}: değişken → değer eşlemesi olan bir nesne bekleniyordu",
    "api_error.param_line": "parametre satırı ANAHTAR=ALAN[:YEDEK] biçiminde olmalı (ör. "
    "1=name:Yedek), {option} geldi",
    "api_error.pattern_mismatch": "'{pattern}' kalıbına uymalı",
    "api_error.too_long": "en fazla {max} karakter olmalı",
    "api_error.too_short": "en az {min} karakter olmalı",
    "api_error.sending_unavailable": "gönderim kullanılamıyor: {reason}",
    "api_error.internal": "iç hata; ayrıntılar sunucu günlüğünde",
    "api_error.broken_json": "bozuk JSON, satır {line}, sütun {column}: {why}",
    "api_error.method_not_allowed": "bu yöntem kullanılamaz",
    "api_error.sync_unavailable": "şablon eşitleme kullanılamıyor: {reason}",
    "api_error.unavailable.no_token": "WHATSAPP_ACCESS_TOKEN ayarlanmamış, bu yüzden Graph API "
    "kullanılamıyor",
    "api_error.unavailable.starting": "sunucu açılışını henüz tamamlamadı",
    "api_error.unavailable.token_required": "bir erişim anahtarı gerekli",
    "api_error.unavailable.no_client": "Cloud API istemcisi yok",
    "api_error.sync_token_refused": "Cloud API erişim anahtarını reddetti (hata {code}): "
    "WHATSAPP_ACCESS_TOKEN ayarını denetleyin; süresi dolmuş, iptal edilmiş ya da başka bir "
    "uygulamanın olabilir",
    "api_error.sync_waba_unknown": "'{waba}' WhatsApp Business hesap kimliği yok ya da anahtar "
    "bu hesabın şablonlarını okuyamıyor (hata 100): WABA_ID ayarını denetleyin ({message})",
    "api_error.sync_failed": "şablon eşitleme başarısız: {error}",
    "api_error.no_schedule": "{id} numaralı zamanlama yok",
    "api_error.template_name_empty": "şablon adı boş",
    "api_error.language_empty": "dil boş (örneğin tr ya da en_US)",
    "api_error.daily_count_range": "günlük sayı 1 ile {max} arasında olmalı, {got} geldi",
    "api_error.time_format": "{time} SS:DD biçiminde (24 saat) olmalı, {value} geldi",
    "api_error.time.time": "saat",
    "api_error.time.time_of_day": "gönderim saati",
    "api_error.time.window_start": "pencere başlangıcı",
    "api_error.time.window_end": "pencere bitişi",
    "api_error.unknown_time_zone": "bilinmeyen saat dilimi {zone}; Europe/Istanbul gibi bir "
    "IANA adı kullanın",
    "api_error.window_half": "gönderim penceresi için hem başlangıç hem bitiş gerekir",
    "api_error.window_equal": "gönderim penceresinin başlangıcı ile bitişi aynı; pencere "
    "istemiyorsanız ikisini de boş bırakın",
    "api_error.schedule_not_active": "zamanlama {id} etkin değil (durumu: {schedule_state})",
    "api_error.schedule_not_paused": "zamanlama {id} duraklatılmış değil (durumu: "
    "{schedule_state})",
    "api_error.campaign_final": "kampanya {id} durumu: {state}; artık değiştirilemez",
    "api_error.campaign_move": "kampanya {id} durumu: {state}; {cannot}",
    "api_error.cannot.running": "sürdürülemez",
    "api_error.cannot.paused": "duraklatılamaz",
    "api_error.cannot.cancelled": "iptal edilemez",
    "api_error.cannot.completed": "tamamlanamaz",
    "api_error.cannot.aborted": "durdurulamaz",
    "api_error.retry_running": "kampanya {id} hâlâ gönderiliyor; bittiğinde yeniden deneyin",
    "api_error.retry_nothing_left": "kampanya {id} için yeniden denenecek kimse kalmadı: "
    "bıraktığı her kişi o zamandan beri şablonu aldı, abonelikten çıktı ya da ulaşılamaz oldu",
    "api_error.retry_no_failures": "kampanya {id} içinde yeniden denenebilir bir nedenle "
    "başarısız olan gönderim yok (hiç hata yok)",
    "api_error.retry_not_retryable": "kampanya {id} içinde yeniden denenebilir bir nedenle "
    "başarısız olan gönderim yok (hatalar: {failures})",
    "api_error.retarget_when": "{text} bir yeniden hedefleme koşulu değil; şunlardan birini "
    "kullanın: {choices}",
    "api_error.retarget_days": "gün sayısı {min} ile {max} arasında olmalı, {got} geldi",
    "api_error.retarget_same_template": "'{name}' şablonunu kampanya {id} zaten gönderdi; yeniden "
    "hedefleme başka bir şablon gönderir (aynı şablon ulaştığı kimseye ikinci kez gitmez)",
    "api_error.retarget_running": "kampanya {id} hâlâ gönderiliyor; bittiğinde ya da "
    "duraklatıldığında yeniden hedefleyin",
    "api_error.retarget_nobody_read": "henüz uygun kimse yok: kampanya {id} kişilerinden "
    "gönderimini {days} gündür okumamış ve '{name}' şablonunu hâlâ alabilecek biri yok{later}",
    "api_error.retarget_nobody_replied": "henüz uygun kimse yok: kampanya {id} kişilerinden "
    "gönderimine {days} gündür yanıt vermemiş ve '{name}' şablonunu hâlâ alabilecek biri "
    "yok{later}",
    "api_error.retarget_later": "; {count} kişi uygun olacak, ilki {first} itibarıyla",
    "api_error.route_not_found": "bulunamadı",
    "validation.missing": "bu alan zorunlu",
    "validation.int_parsing": "bir tam sayı olmalı",
    "validation.int_type": "bir tam sayı olmalı",
    "validation.string_type": "metin olmalı",
    "validation.bool_parsing": "true ya da false olmalı",
    "validation.extra_forbidden": "bu alan kabul edilmiyor",
    "import_reason.json_at": "bozuk JSON, satır {line}, sütun {column}: {detail}",
    "import_reason.missing_comma": "{element}. öğeden sonra ',' eksik (sonraki öğe okunuyor)",
    "import_reason.ends_inside": "dosya listenin ortasında bitiyor (yarım mı kaldı?)",
    "import_reason.nothing_after": "{detail}; sonrası okunmadı",
    # tag and audience refusals (web/audience_reasons.py)
    "audience_error.tag_empty": "bir etiket boş",
    "audience_error.tag_semicolon": "{tag} etiketinde ';' var; bu işaret etiketleri ayırır",
    "audience_error.tag_control": "{tag} etiketinde bir kontrol karakteri var",
    "audience_error.tag_too_long": "{tag}… etiketi {max} karakterden uzun",
    "audience_error.tags_type": (
        "etiketler ';' ile ayrılmış metin ya da metin listesi olmalı, gelen: {type}"
    ),
    "audience_error.too_many_tags": "bir seferde en çok {max} etiket olabilir, gelen: {got}",
    "audience_error.too_many_conditions": "en çok {max} koşul olabilir, gelen: {got}",
    "audience_error.row_tags": (
        "{count} etiket; bir satırda bir kişiye en çok {max} etiket verilebilir"
    ),
    "audience_error.condition_shape": (
        "{condition} koşulu ALAN İŞLEÇ DEĞER biçiminde değil; örneğin 'city = İzmir' ya "
        "da 'attributes.plan in (gold, silver)' yazın (İŞLEÇ: =, !=, in ya da not in)"
    ),
    "audience_error.condition_field": "{condition} koşulu: {field} bir özellik adı değil",
    "audience_error.condition_needs_list": (
        "{condition} koşulu: '{op}' bir liste ister, örneğin (gold, silver)"
    ),
    "audience_error.condition_empty_item": "{condition} koşulu: listede boş bir değer var",
    "audience_error.condition_list_op": "{condition} koşulu: liste için '{op}' değil 'in' gerekir",
    "audience_error.condition_no_value": "{condition} koşulunda '{op}' işaretinden sonra değer yok",
    "audience_error.match": "eşleşme 'any' ya da 'all' olmalı, gelen: {got}",
    "audience_error.replied_days_range": (
        "yanıt veren hariç gün sayısı 1 ile {max} arasında olmalı, gelen: {got}"
    ),
    "audience_error.replied_days_type": (
        "yanıt veren hariç gün sayısı tam sayı olmalı, gelen: {got}"
    ),
    "audience_error.tag_both": "{tag} etiketi hem isteniyor hem hariç tutuluyor",
    "audience_error.no_such_tag": "hiçbir kişide {tag} etiketi yok; var olan etiketler: {tags}",
    "audience_error.no_tags_yet": (
        "hiçbir kişide {tag} etiketi yok; henüz hiçbir kişinin etiketi yok"
    ),
    "audience_error.phones_and_filter": (
        "ya numaraları ya da bir filtre verin, ikisini birden değil"
    ),
    "audience_error.nothing_chosen": (
        "hiçbir kişi seçilmedi: numaralar, bir filtre (arama, etiket, abonelikten çıkanlar) ya "
        "da tümü seçin"
    ),
    "audience_error.nothing_to_do": (
        "yapılacak bir şey yok: eklenecek ya da çıkarılacak etiket verin"
    ),
    "ab_test.title": "A/B testi {id}",
    "ab_test.summary": "{state} · kazanan: {metric} · varyant başına %{share} · karar "
    "{when} UTC itibarıyla",
    "ab_test.variant": "Varyant",
    "ab_test.template": "Şablon",
    "ab_test.sent": "Gönderilen",
    "ab_test.rate": "Oran",
    "ab_test.rest": "Kalanlar",
    "ab_test.winner": "kazanan",
    "ab_test.metric.read": "okunma oranı",
    "ab_test.metric.reply": "yanıt oranı",
    "ab_test.state.testing": "test ediliyor",
    "ab_test.state.deciding": "karar veriliyor",
    "ab_test.state.sending_winner": "kazanan gönderiliyor",
    "ab_test.state.done": "bitti",
    "ab_test.state.cancelled": "iptal edildi",
}
