// The test geography every department simulator draws from: 常州市's counties with their towns and
// street offices (9-digit town-level codes), and the villages, estates and roads addresses are made
// of. One table, so the residents of one simulator live where the enterprises of another are
// registered and the demo's registers link up; a simulator that kept its own copy would drift.

export interface Town {
  /** 9-digit town-level division code. */
  code: string
  name: string
  /** A street office (街道) rather than a town (镇): addresses there are estates and roads, not villages. */
  street: boolean
}

export interface County {
  /** 6-digit county-level division code. */
  code: string
  name: string
  towns: readonly Town[]
}

const t = (code: string, name: string): Town => ({ code, name, street: name.endsWith('街道') })

export const COUNTIES: readonly County[] = [
  { code: '320402', name: '天宁区', towns: [t('320402002', '天宁街道'), t('320402003', '茶山街道'), t('320402004', '雕庄街道'), t('320402005', '红梅街道'), t('320402007', '青龙街道'), t('320402100', '郑陆镇')] },
  { code: '320404', name: '钟楼区', towns: [t('320404001', '南大街街道'), t('320404003', '五星街道'), t('320404004', '永红街道'), t('320404005', '北港街道'), t('320404006', '西林街道'), t('320404100', '邹区镇')] },
  { code: '320411', name: '新北区', towns: [t('320411001', '河海街道'), t('320411002', '三井街道'), t('320411004', '新桥街道'), t('320411101', '孟河镇'), t('320411102', '薛家镇'), t('320411103', '罗溪镇'), t('320411104', '西夏墅镇'), t('320411105', '春江镇')] },
  { code: '320412', name: '武进区', towns: [t('320412002', '湖塘街道'), t('320412004', '牛塘街道'), t('320412100', '洛阳镇'), t('320412103', '雪堰镇'), t('320412104', '前黄镇'), t('320412105', '礼嘉镇'), t('320412110', '嘉泽镇'), t('320412120', '湟里镇')] },
  { code: '320413', name: '金坛区', towns: [t('320413001', '金城镇'), t('320413002', '东城街道'), t('320413101', '儒林镇'), t('320413102', '直溪镇'), t('320413103', '朱林镇'), t('320413104', '薛埠镇'), t('320413105', '指前镇')] },
  { code: '320481', name: '溧阳市', towns: [t('320481001', '溧城街道'), t('320481002', '古县街道'), t('320481101', '天目湖镇'), t('320481102', '别桥镇'), t('320481103', '上黄镇'), t('320481104', '戴埠镇'), t('320481105', '社渚镇'), t('320481106', '南渡镇')] },
]

/** How a full address or enterprise name starts: 溧阳 is a county-level city and goes by its own name. */
export const placeName = (county: County): string => (county.name.endsWith('市') ? county.name : `常州市${county.name}`)

/** County codes elsewhere in China: birthplaces of people who moved to 常州. */
export const OTHER_BIRTHPLACES: readonly string[] = ['320102', '320582', '321281', '341221', '341182', '410523', '511325', '360424', '430726', '650102']

export const VILLAGES: readonly string[] = ['村前村', '东安村', '西墅村', '南庄村', '北渚村', '新桥村', '杨桥村', '陈巷村', '周家村', '王家村', '河头村', '塘下村', '钱家村', '高家村', '前进村', '红星村', '胜利村', '永安村', '长春村', '大港村']
export const ESTATES: readonly string[] = ['丽华新村', '清潭新村', '花园新村', '青山湾', '翠竹新村', '怡景湾', '朝阳新村', '星河国际', '锦绣江南', '红梅新村', '兰陵小区', '荆川里']
export const ROADS: readonly string[] = ['东安路', '人民路', '延政路', '龙锦路', '长江路', '太湖路', '青洋路', '常武路', '武宜路', '花园街', '新堂路', '环湖路', '滆湖路', '龙城大道', '汉江路', '晋陵路', '华山路', '天目湖大道']
