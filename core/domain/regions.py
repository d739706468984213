"""Administrative division codes of GB/T 2260 (中华人民共和国行政区划代码) that the terminal offers in its
region chooser: every province-level division, and below them the divisions the sample hall serves (Jiangsu
province 32, its prefecture-level cities, and the districts of Nanjing 3201).

Source: GB/T 2260-2007 "Codes for the administrative divisions of the People's Republic of China" and its
updates as published by the Ministry of Civil Affairs (民政部, 中华人民共和国行政区划代码, 2023). A code
the table lacks is still accepted when typed as six digits with a known province prefix (docs/forms.md,
"Rendering"); the form's ``gb2260`` format is the check, this table only saves typing.
"""

from __future__ import annotations

from dataclasses import dataclass

# code → (Chinese name, English name); two digits: province level, four: prefecture, six: county level.
REGIONS: dict[str, tuple[str, str]] = {
    "11": ("北京市", "Beijing"), "12": ("天津市", "Tianjin"), "13": ("河北省", "Hebei"), "14": ("山西省", "Shanxi"),
    "15": ("内蒙古自治区", "Inner Mongolia"), "21": ("辽宁省", "Liaoning"), "22": ("吉林省", "Jilin"),
    "23": ("黑龙江省", "Heilongjiang"), "31": ("上海市", "Shanghai"), "32": ("江苏省", "Jiangsu"),
    "33": ("浙江省", "Zhejiang"), "34": ("安徽省", "Anhui"), "35": ("福建省", "Fujian"), "36": ("江西省", "Jiangxi"),
    "37": ("山东省", "Shandong"), "41": ("河南省", "Henan"), "42": ("湖北省", "Hubei"), "43": ("湖南省", "Hunan"),
    "44": ("广东省", "Guangdong"), "45": ("广西壮族自治区", "Guangxi"), "46": ("海南省", "Hainan"),
    "50": ("重庆市", "Chongqing"), "51": ("四川省", "Sichuan"), "52": ("贵州省", "Guizhou"),
    "53": ("云南省", "Yunnan"), "54": ("西藏自治区", "Tibet"), "61": ("陕西省", "Shaanxi"), "62": ("甘肃省", "Gansu"),
    "63": ("青海省", "Qinghai"), "64": ("宁夏回族自治区", "Ningxia"), "65": ("新疆维吾尔自治区", "Xinjiang"),
    "71": ("台湾省", "Taiwan"), "81": ("香港特别行政区", "Hong Kong"), "82": ("澳门特别行政区", "Macao"),
    # Jiangsu's prefecture-level cities
    "3201": ("南京市", "Nanjing"), "3202": ("无锡市", "Wuxi"), "3203": ("徐州市", "Xuzhou"),
    "3204": ("常州市", "Changzhou"), "3205": ("苏州市", "Suzhou"), "3206": ("南通市", "Nantong"),
    "3207": ("连云港市", "Lianyungang"), "3208": ("淮安市", "Huai'an"), "3209": ("盐城市", "Yancheng"),
    "3210": ("扬州市", "Yangzhou"), "3211": ("镇江市", "Zhenjiang"), "3212": ("泰州市", "Taizhou"),
    "3213": ("宿迁市", "Suqian"),
    # Nanjing's districts
    "320102": ("玄武区", "Xuanwu"), "320104": ("秦淮区", "Qinhuai"), "320105": ("建邺区", "Jianye"),
    "320106": ("鼓楼区", "Gulou"), "320111": ("浦口区", "Pukou"), "320113": ("栖霞区", "Qixia"),
    "320114": ("雨花台区", "Yuhuatai"), "320115": ("江宁区", "Jiangning"), "320116": ("六合区", "Luhe"),
    "320117": ("溧水区", "Lishui"), "320118": ("高淳区", "Gaochun"),
}


@dataclass(frozen=True)
class Region:
    code: str  # 2, 4 or 6 digits
    name: str
    name_en: str

    def label(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


def provinces() -> list[Region]:
    return children("")


def children(code: str) -> list[Region]:
    """The divisions one level below ``code`` ("" for the provinces) that the table knows, by code."""
    width = len(code) + 2
    return [Region(c, *names) for c, names in sorted(REGIONS.items()) if len(c) == width and c.startswith(code)]


def path(code: str) -> tuple[str, str, str]:
    """A six-digit code split into its province, city and district codes as far as the table knows them
    ("" for a level it lacks)."""
    parts = (code[:2], code[:4], code[:6])
    return tuple(p if len(code) >= len(p) and p in REGIONS else "" for p in parts)  # type: ignore[return-value]
