"""Short survey comments in each sample language: (positive, neutral, negative) phrase lists."""

COMMENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "en": (
        (
            "Quick and friendly help, thank you!",
            "Solved on the first reply, great.",
            "The agent really listened.",
        ),
        ("It was fine.", "Took a while but it got sorted."),
        (
            "I had to explain everything twice.",
            "Still waiting for my refund.",
            "Nobody answered for hours.",
        ),
    ),
    "es": (
        (
            "¡Atención rápida y amable, gracias!",
            "Lo resolvieron a la primera.",
            "El agente fue muy paciente.",
        ),
        ("Estuvo bien.", "Tardó un poco, pero se resolvió."),
        (
            "Tuve que explicarlo todo dos veces.",
            "Sigo esperando mi reembolso.",
            "Nadie respondió durante horas.",
        ),
    ),
    "pt": (
        (
            "Atendimento rápido e simpático, obrigado!",
            "Resolveram na primeira resposta.",
            "A atendente foi muito atenciosa.",
        ),
        ("Foi ok.", "Demorou um pouco, mas resolveram."),
        (
            "Tive que explicar tudo duas vezes.",
            "Ainda estou esperando o reembolso.",
            "Ninguém respondeu por horas.",
        ),
    ),
    "fr": (
        (
            "Aide rapide et aimable, merci !",
            "Résolu dès la première réponse.",
            "L'agent a vraiment été à l'écoute.",
        ),
        ("C'était correct.", "Un peu long, mais c'est réglé."),
        (
            "J'ai dû tout expliquer deux fois.",
            "J'attends toujours mon remboursement.",
            "Personne n'a répondu pendant des heures.",
        ),
    ),
    "de": (
        (
            "Schnelle und freundliche Hilfe, danke!",
            "Gleich mit der ersten Antwort gelöst.",
            "Der Mitarbeiter hat gut zugehört.",
        ),
        ("War in Ordnung.", "Hat etwas gedauert, aber es wurde gelöst."),
        (
            "Ich musste alles zweimal erklären.",
            "Ich warte immer noch auf meine Erstattung.",
            "Stundenlang hat niemand geantwortet.",
        ),
    ),
    "it": (
        (
            "Aiuto rapido e gentile, grazie!",
            "Risolto alla prima risposta.",
            "L'operatore è stato molto disponibile.",
        ),
        ("Tutto sommato bene.", "Ci è voluto un po', ma è stato risolto."),
        (
            "Ho dovuto spiegare tutto due volte.",
            "Sto ancora aspettando il rimborso.",
            "Nessuno ha risposto per ore.",
        ),
    ),
    "nl": (
        (
            "Snelle en vriendelijke hulp, bedankt!",
            "Meteen bij het eerste antwoord opgelost.",
            "De medewerker luisterde echt.",
        ),
        ("Het was prima.", "Duurde even, maar het is opgelost."),
        (
            "Ik moest alles twee keer uitleggen.",
            "Ik wacht nog steeds op mijn terugbetaling.",
            "Urenlang reageerde niemand.",
        ),
    ),
    "pl": (
        ("Szybka i miła pomoc, dziękuję!", "Rozwiązane od razu.", "Konsultant naprawdę słuchał."),
        ("Było w porządku.", "Trochę to trwało, ale się udało."),
        (
            "Musiałem wszystko tłumaczyć dwa razy.",
            "Wciąż czekam na zwrot pieniędzy.",
            "Nikt nie odpowiadał przez wiele godzin.",
        ),
    ),
    "sv": (
        (
            "Snabb och vänlig hjälp, tack!",
            "Löst direkt i första svaret.",
            "Handläggaren lyssnade verkligen.",
        ),
        ("Det var okej.", "Det tog ett tag men löste sig."),
        (
            "Jag fick förklara allt två gånger.",
            "Väntar fortfarande på min återbetalning.",
            "Ingen svarade på flera timmar.",
        ),
    ),
    "tr": (
        (
            "Hızlı ve nazik yardım, teşekkürler!",
            "İlk yanıtta çözüldü.",
            "Temsilci gerçekten dinledi.",
        ),
        ("Fena değildi.", "Biraz sürdü ama çözüldü."),
        (
            "Her şeyi iki kez anlatmak zorunda kaldım.",
            "Hâlâ iademi bekliyorum.",
            "Saatlerce kimse cevap vermedi.",
        ),
    ),
    "ja": (
        (
            "迅速で丁寧な対応をありがとうございました。",
            "最初の返信で解決しました。",
            "担当者の方が親身に聞いてくれました。",
        ),
        ("普通でした。", "少し時間がかかりましたが解決しました。"),
        (
            "同じ説明を二度しなければなりませんでした。",
            "まだ返金を待っています。",
            "何時間も返事がありませんでした。",
        ),
    ),
    "ko": (
        (
            "빠르고 친절한 도움 감사합니다!",
            "첫 답변에 바로 해결됐어요.",
            "상담원이 정말 잘 들어주셨어요.",
        ),
        ("괜찮았어요.", "시간은 좀 걸렸지만 해결됐어요."),
        (
            "같은 설명을 두 번이나 해야 했어요.",
            "아직도 환불을 기다리고 있어요.",
            "몇 시간 동안 아무도 답하지 않았어요.",
        ),
    ),
    "zh": (
        ("回复又快又亲切，谢谢！", "第一次回复就解决了。", "客服非常耐心。"),
        ("还可以。", "花了点时间，但问题解决了。"),
        ("我不得不把情况解释两遍。", "我还在等退款。", "好几个小时都没人回复。"),
    ),
    "hi": (
        ("तेज़ और विनम्र मदद, धन्यवाद!", "पहले जवाब में ही हल हो गया।", "एजेंट ने ध्यान से सुना।"),
        ("ठीक था।", "थोड़ा समय लगा, पर हल हो गया।"),
        (
            "मुझे सब कुछ दो बार समझाना पड़ा।",
            "मैं अब भी रिफ़ंड का इंतज़ार कर रहा हूँ।",
            "घंटों तक किसी ने जवाब नहीं दिया।",
        ),
    ),
    "id": (
        (
            "Bantuan cepat dan ramah, terima kasih!",
            "Langsung selesai di balasan pertama.",
            "Agennya benar-benar mendengarkan.",
        ),
        ("Lumayan.", "Agak lama, tapi akhirnya beres."),
        (
            "Saya harus menjelaskan semuanya dua kali.",
            "Saya masih menunggu pengembalian dana.",
            "Berjam-jam tidak ada yang membalas.",
        ),
    ),
    "vi": (
        (
            "Hỗ trợ nhanh và thân thiện, cảm ơn!",
            "Được giải quyết ngay lần trả lời đầu.",
            "Nhân viên rất lắng nghe.",
        ),
        ("Cũng được.", "Hơi lâu nhưng đã được giải quyết."),
        (
            "Tôi phải giải thích mọi thứ hai lần.",
            "Tôi vẫn đang chờ hoàn tiền.",
            "Nhiều giờ liền không ai trả lời.",
        ),
    ),
    "th": (
        ("ช่วยเหลือรวดเร็วและเป็นมิตร ขอบคุณครับ", "แก้ไขได้ตั้งแต่การตอบครั้งแรก", "พนักงานตั้งใจฟังจริงๆ"),
        ("ก็โอเค", "ใช้เวลานิดหน่อยแต่ก็แก้ไขได้"),
        ("ต้องอธิบายทุกอย่างสองรอบ", "ยังรอเงินคืนอยู่", "ไม่มีใครตอบเป็นชั่วโมง"),
    ),
    "ar": (
        ("مساعدة سريعة ولطيفة، شكرًا!", "تم الحل من أول رد.", "الموظف استمع إليّ جيدًا."),
        ("كانت الخدمة مقبولة.", "استغرق الأمر وقتًا لكن تم الحل."),
        ("اضطررت لشرح كل شيء مرتين.", "ما زلت أنتظر استرداد أموالي.", "لم يرد أحد لساعات."),
    ),
    "he": (
        ("עזרה מהירה ואדיבה, תודה!", "נפתר כבר בתשובה הראשונה.", "הנציג באמת הקשיב."),
        ("היה בסדר.", "לקח זמן, אבל זה נפתר."),
        ("נאלצתי להסביר הכול פעמיים.", "אני עדיין מחכה להחזר.", "אף אחד לא ענה שעות."),
    ),
    "sw": (
        (
            "Msaada wa haraka na wa kirafiki, asante!",
            "Imetatuliwa kwenye jibu la kwanza.",
            "Wakala alinisikiliza vizuri.",
        ),
        ("Ilikuwa sawa.", "Ilichukua muda, lakini imetatuliwa."),
        (
            "Ilibidi nieleze kila kitu mara mbili.",
            "Bado nasubiri kurejeshewa pesa.",
            "Hakuna aliyejibu kwa masaa.",
        ),
    ),
}
